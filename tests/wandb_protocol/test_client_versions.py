"""Older releases of the official client (0.19 to 0.28, each from the package index in a venv
of its own) log the same everyday run as 0.31, and Heron stores the same run from each.

Up to about 0.28 the client sends some GraphQL of its own from Python: schema probes
(``__type``), an anonymous ``{ viewer }``, ``RunStoppedStatus`` polls and ``serverInfo
{cliVersionInfo}``, whose ``max_cli_version`` decides whether ``wandb.log`` of a table waits
for an artifact Heron does not store (``fixtures/run_<version>_full.json``).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.wandb_protocol.conftest import (
    SCRIPTS,
    Heron,
    client_env,
    client_venv,
    fixture,
    run_script,
)

VERSIONS = ["0.19.11", "0.22.3", "0.25.1", "0.28.2", "0.31.0"]
"""The older releases, and 0.31.0: the same expectations hold for the newest."""
STEPS = 20
IMAGE_STEPS = (0, 10)
FILES = {"config.yaml", "output.log", "wandb-metadata.json", "wandb-summary.json"}


OLDER = VERSIONS[:-1]
OPTIONAL: set[str] = set()
"""Fields Heron does not answer, which the captured clients went on without (none since
``entity`` is answered: ``OrganizationCoreWeaveOrganizationID`` gets an organization of the
entity's own name, with no CoreWeave id)."""


def test_the_graphql_of_older_clients_is_answered(heron_server: Heron) -> None:
    """Every GraphQL request the older clients sent (``fixtures/run_<version>_full.json``),
    replayed in order: answered, and the schema probes say what Heron has."""
    for version in OLDER:
        for request in fixture(f"run_{version}_full"):
            if request["kind"] != "graphql":
                continue
            payload = {k: request[k] for k in ("operationName", "query", "variables")}
            answer = httpx.post(heron_server.url + "/graphql", json=payload,
                                auth=("api", heron_server.key), timeout=30)
            assert answer.status_code == 200, (version, request["query"], answer.text)
            body = answer.json()
            if request["field"] in OPTIONAL:
                assert "does not implement" in body["errors"][0]["message"]
                continue
            assert "errors" not in body, (version, request["query"], body)
            data = body["data"]
            if "QueryType" in data:  # ProbeServerCapabilities
                assert {"upsertBucket", "createRunFiles", "viewer", "project"} <= {
                    f["name"] for f in data["QueryType"]["fields"]}
                assert "cliVersionInfo" in {f["name"] for f in data["ServerInfoType"]["fields"]}
            if isinstance(data.get("serverInfo"), dict) and "cliVersionInfo" in data["serverInfo"]:
                # At 0.11 or more the client stops waiting in log() for a table's artifact.
                assert data["serverInfo"]["cliVersionInfo"]["max_cli_version"] == "0.31.0"


def _get(server: Heron, path: str) -> bytes:
    answer = httpx.get(f"{server.url}/api/v1/{path}",
                       headers={"Authorization": f"Bearer {server.key}"}, timeout=30)
    assert answer.status_code == 200, (path, answer.text)
    return answer.content


def _user_keys(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("_")}


@pytest.mark.parametrize("version", VERSIONS)
def test_each_client_version_logs_the_same_run(version: str, heron_server: Heron,
                                               tmp_path: Path) -> None:
    python = client_venv(version)
    done = run_script(python, ["versions"], client_env(heron_server, tmp_path),
                      script=SCRIPTS / "full_run.py", timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.search(r"run-id: (\S+)", done.stdout)
    assert found, done.stdout
    assert_full_run(heron_server, "versions", found.group(1), version)


def assert_full_run(server: Heron, project: str, run_id: str, version: str) -> None:
    """What ``scripts/full_run.py`` logged, as ``heron.Api()`` reads it back."""
    run = server.api().run(f"{project}/{run_id}")
    assert (run.state, run.exit_code) == ("finished", 0)
    assert run.metadata["wandb"]["cli_version"] == version
    assert dict(run.config) == {"lr": 0.01, "layers": [64, 32], "extra": 5}
    assert (run.tags, run.notes, run.group) == (["a", "b"], "some notes", "g1")

    rows = list(run.scan_history())
    assert [row["_step"] for row in rows] == list(range(STEPS + 1))
    assert [(row["loss"], row["acc"]) for row in rows[:STEPS]] == [
        (1.0 / (i + 1), i / STEPS) for i in range(STEPS)]
    for step in IMAGE_STEPS:
        image, histogram = rows[step]["img"], rows[step]["h"]
        assert image["caption"] == f"step {step}"
        assert image["wandb_path"].startswith(f"media/images/img_{step}_")
        assert hashlib.sha256(_get(server, image["path"])).hexdigest() == image["sha256"]
        assert histogram["_type"] == "histogram" and sum(histogram["values"]) == 10
    assert "img" not in rows[1]
    table = rows[STEPS]["tab"]
    assert json.loads(_get(server, table["path"])) == {
        "columns": ["a", "b"], "data": [[1, "x"], [2, "y"]]}

    summary = dict(run.summary)
    assert _user_keys(summary).keys() == {"loss", "acc", "img", "h", "tab", "best"}
    assert (summary["loss"], summary["best"]) == (1.0 / STEPS, 0.99)
    assert summary["img"]["path"] == rows[IMAGE_STEPS[-1]]["img"]["path"]
    assert summary["tab"]["path"] == table["path"]
    assert "_wandb" not in summary

    names = {f.name for f in run.files()}
    assert names >= FILES, names
    assert len([n for n in names if n.startswith("media/images/img_")]) == len(IMAGE_STEPS)
    assert any(n.startswith("media/table/tab_") for n in names)
    assert run.console() == ["hello from the script", f"run-id: {run_id}"]
