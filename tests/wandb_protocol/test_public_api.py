"""A W&B user's analysis script (``wandb.Api()`` of the official client 0.31.0) reads, through a
real ``heron server``, the runs logged by either SDK exactly as ``heron.Api()`` reads them:
fields, config, summary, sampled and scanned history, files and their bytes; filters, orders
and pages pick the right runs; what the caller may not see, or what does not exist, errors."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

import heron
from tests.support.server import create_key, heron_servers
from tests.wandb_protocol.conftest import FIXTURES, SCRIPTS, Heron, client_env, run_script

STEPS = 30
MANY = 12


@dataclass
class Logged:
    """The server, and what was logged to it before the tests read."""

    server: Heron
    db: str
    media: Path
    official: str
    heron_sdk: str
    media_run: str
    many: list[str]
    hidden: str
    between: float
    """A moment after the first half of ``many`` was created and before the second."""


def _run_id(stdout: str) -> str:
    found = re.search(r"run-id: (\S+)", stdout)
    assert found, stdout
    return found.group(1)


def _log_many(server: Heron, root: Path) -> tuple[list[str], str, float]:
    """``MANY`` runs of project ``many`` (run 3 fails) and one of ``hidden``, with Heron's own
    SDK in this process; the moment between the two halves."""
    ids: list[str] = []
    between = 0.0
    with pytest.MonkeyPatch.context() as env:
        for name, value in {"HERON_HOST": server.url, "HERON_API_KEY": server.key,
                            "HERON_DIR": str(root), "HERON_SILENT": "1",
                            "HERON_CONSOLE": "off", "HERON_SYSTEM_SAMPLE_SECONDS": "0"}.items():
            env.setenv(name, value)
        for i in range(MANY):
            if i == MANY // 2:  # createdAt filters split the runs here
                time.sleep(0.6)
                between = time.time()
                time.sleep(0.6)
            run = heron.init(project="many", name=f"r{i}", tags=["odd" if i % 2 else "even"],
                             config={"i": i, "lr": 0.01 if i % 2 else 0.1})
            heron.log({"acc": i / 10, "loss": 1 - i / 10})
            ids.append(run.id)
            heron.finish(exit_code=1 if i == 3 else None)
        hidden = heron.init(project="hidden", config={"secret": 1})
        heron.log({"loss": 1.0})
        heron.finish()
    return ids, hidden.id, between


@pytest.fixture(scope="module")
def logged(wandb_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Logged]:
    tmp = tmp_path_factory.mktemp("public-api")
    db, media = f"sqlite:///{tmp / 'heron.db'}", tmp / "media"
    with heron_servers(db, media) as servers:
        server = Heron(servers[0].url, servers[0].wait_admin_key())
        env = client_env(server, tmp)
        official = run_script(wandb_python, ["papi", str(STEPS)], env)
        assert official.returncode == 0, official.stderr
        with_media = run_script(wandb_python, ["papi"], env, script=SCRIPTS / "log_media.py")
        assert with_media.returncode == 0, with_media.stderr
        sdk_env = {**env, "HERON_AS_WANDB": "1", "HERON_HOST": server.url,
                   "HERON_API_KEY": server.key, "HERON_SILENT": "1",
                   "HERON_DIR": str(tmp / "heron-dir"), "PYTHONPATH": ":".join(sys.path)}
        heron_sdk = run_script(sys.executable, ["papi", str(STEPS)], sdk_env)
        assert heron_sdk.returncode == 0, heron_sdk.stderr
        many, hidden, between = _log_many(server, tmp / "heron-dir")
        yield Logged(server, db, media, _run_id(official.stdout), _run_id(heron_sdk.stdout),
                     _run_id(with_media.stdout), many, hidden, between)


def _read(python: Path, server: Heron, tmp: Path, plan: dict[str, Any],
          key: str | None = None) -> dict[str, Any]:
    """What ``scripts/read_api.py`` read with ``wandb.Api()`` following ``plan``."""
    tmp.mkdir(parents=True, exist_ok=True)
    plan = {"download_root": str(tmp / "downloads"), **plan}
    (tmp / "plan.json").write_text(json.dumps(plan))
    done = run_script(python, [str(tmp / "plan.json"), str(tmp / "read.json")],
                      client_env(server, tmp, key=key), script=SCRIPTS / "read_api.py",
                      timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    read: dict[str, Any] = json.loads((tmp / "read.json").read_text())
    return read


def _files(run: Any, root: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for f in run.files():
        data = f.download(root=str(root), replace=True).read_bytes()
        found[f.name] = {"size": f.size, "sha256": hashlib.sha256(data).hexdigest()}
    return found


def _as_heron_reads(run: Any, root: Path) -> dict[str, Any]:
    """What ``read_api.py`` reads, as ``heron.Api()`` reads it."""
    return {
        "id": run.id, "name": run.name, "state": run.state, "tags": run.tags,
        "notes": run.notes, "group": run.group, "job_type": run.job_type,
        # W&B's time stamps carry no zone (UTC is meant); heron.Api's end in Z.
        "created_at": run.created_at.removesuffix("Z"), "config": dict(run.config),
        "summary": dict(run.summary), "last_step": run.lastHistoryStep,
        "history_keys": run.history(samples=7, keys=["loss", "acc"], pandas=False),
        "history_all": run.history(samples=5, pandas=False),
        # wandb-core adds _step to the keys a scan asks for.
        "scan_keys": list(run.scan_history(keys=["_step", "loss"])),
        "scan_all": list(run.scan_history()),
        "files": _files(run, root), "media": {},
    }


def test_wandb_api_reads_runs_of_both_sdks_as_heron_api_does(
        logged: Logged, wandb_python: Path, tmp_path: Path) -> None:
    heron_api = logged.server.api()
    runs = {f"admin/papi/{rid}": heron_api.run(f"papi/{rid}")
            for rid in (logged.official, logged.heron_sdk, logged.media_run)}
    image = runs[f"admin/papi/{logged.media_run}"].summary["img"]
    read = _read(wandb_python, logged.server, tmp_path,
                 {"runs": list(runs),
                  "media": {f"admin/papi/{logged.media_run}": [image["wandb_path"]]}})

    assert read["entity"] == "admin"  # the caller's name stands for Heron's default entity
    for path in (f"admin/papi/{logged.official}", f"admin/papi/{logged.heron_sdk}"):
        expected = _as_heron_reads(runs[path], tmp_path / "heron-downloads")
        assert read["runs"][path] == json.loads(json.dumps(expected)), path
        assert len(read["runs"][path]["scan_all"]) == STEPS  # unsampled, over several pages
        assert read["runs"][path]["config"]["lr"] == 0.01

    # Media references read as the client logged them: W&B's path, downloadable by that name.
    media = read["runs"][f"admin/papi/{logged.media_run}"]
    assert media["summary"]["img"]["path"] == image["wandb_path"]
    assert image["wandb_path"].startswith("media/images/img_")
    assert "wandb_path" not in media["summary"]["img"]
    assert media["media"] == {image["wandb_path"]: image["sha256"]}
    assert [row["img"]["path"] for row in media["scan_all"] if "img" in row] == [
        row["img"]["wandb_path"] for row in runs[f"admin/papi/{logged.media_run}"]
        .scan_history(keys=["img"])]
    assert media["files"][image["wandb_path"]]["sha256"] == image["sha256"]


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")


def test_filters_orders_and_pages_pick_the_right_runs(
        logged: Logged, wandb_python: Path, tmp_path: Path) -> None:
    ids = logged.many
    queries = [
        {"name": "all_in_pages", "path": "admin/many", "per_page": 5},
        {"name": "lr", "path": "admin/many", "filters": {"config.lr": 0.1}},
        {"name": "lr_value", "path": "admin/many", "filters": {"config.i.value": {"$gte": 10}}},
        {"name": "failed", "path": "admin/many", "filters": {"state": "failed"}},
        {"name": "finished", "path": "admin/many", "filters": {"state": "finished"},
         "per_page": 4},
        {"name": "odd_tag", "path": "admin/many", "filters": {"tags": {"$in": ["odd"]}}},
        {"name": "acc_desc", "path": "admin/many",
         "filters": {"summary_metrics.acc": {"$gt": 0.75}}, "order": "-summary_metrics.acc"},
        {"name": "by_name", "path": "admin/many", "filters": {"display_name": "r7"}},
        {"name": "or", "path": "admin/many",
         "filters": {"$or": [{"config.i": 1}, {"displayName": {"$regex": "^r1[01]$"}}]}},
        {"name": "and", "path": "admin/many",
         "filters": {"$and": [{"config.lr": 0.01}, {"summary_metrics.acc": {"$lt": 0.4}}]}},
        {"name": "created_after", "path": "admin/many",
         "filters": {"createdAt": {"$gt": _iso(logged.between)}}, "order": "-created_at"},
        {"name": "created_before", "path": "admin/many",
         "filters": {"created_at": {"$lt": _iso(logged.between)}}},
        {"name": "other_project", "path": "admin/papi",
         "filters": {"config.lr": 0.01}},
    ]
    got = {name: q["ids"] for name, q in _read(wandb_python, logged.server, tmp_path,
                                              {"queries": queries})["queries"].items()}
    counts = {name: q["count"] for name, q in json.loads(
        (tmp_path / "read.json").read_text())["queries"].items()}

    assert got["all_in_pages"] == ids and counts["all_in_pages"] == MANY  # oldest first
    assert got["lr"] == ids[0::2]
    assert got["lr_value"] == ids[10:]
    assert got["failed"] == [ids[3]]
    assert got["finished"] == ids[:3] + ids[4:] and counts["finished"] == MANY - 1
    assert got["odd_tag"] == ids[1::2]
    assert got["acc_desc"] == [ids[11], ids[10], ids[9], ids[8]]
    assert got["by_name"] == [ids[7]]
    assert got["or"] == [ids[1], ids[10], ids[11]]
    assert got["and"] == [ids[1], ids[3]]
    assert got["created_after"] == ids[MANY // 2:][::-1]
    assert got["created_before"] == ids[:MANY // 2]
    assert sorted(got["other_project"]) == sorted([logged.official, logged.heron_sdk])


def test_what_the_caller_may_not_see_or_does_not_exist_errors(
        logged: Logged, wandb_python: Path, tmp_path: Path) -> None:
    made_private = httpx.patch(f"{logged.server.url}/api/v1/projects/hidden/access",
                               json={"visibility": "private"},
                               headers={"Authorization": f"Bearer {logged.server.key}"})
    assert made_private.status_code == 200, made_private.text
    reader = create_key(logged.db, logged.media, user="reader", admin=False)

    read = _read(wandb_python, logged.server, tmp_path, {
        "queries": [{"name": "hidden", "path": "reader/hidden"},
                    {"name": "visible", "path": "reader/many", "per_page": 100}],
        "missing": [f"reader/hidden/{logged.hidden}", f"reader/many/{logged.hidden}",
                    "reader/many/nosuchrun"]}, key=reader)

    assert read["entity"] == "reader"
    assert read["queries"]["hidden"] == {"ids": [], "count": 0}  # reads like an empty project
    assert read["queries"]["visible"]["count"] == MANY  # a server-visible project: read
    for path, error in read["missing"].items():
        assert error.startswith("CommError") and path.rsplit("/", 1)[1] in error, (path, error)
    # The admin still reads the hidden run.
    admin = _read(wandb_python, logged.server, tmp_path / "admin",
                  {"queries": [{"name": "hidden", "path": "admin/hidden"}]})
    assert admin["queries"]["hidden"]["ids"] == [logged.hidden]


def test_a_download_url_works_without_a_key_only_as_signed(
        logged: Logged, wandb_python: Path, tmp_path: Path) -> None:
    query = """query F($project: String!, $entity: String!, $name: String!) {
        project(name: $project, entityName: $entity) { run(name: $name) {
            fileCount files(names: ["config.yaml"]) { edges { node { name url sizeBytes } } } } }
    }"""
    answer = httpx.post(f"{logged.server.url}/graphql", auth=("api", logged.server.key),
                        json={"query": query, "variables": {
                            "project": "papi", "entity": "admin", "name": logged.heron_sdk}})
    run = answer.json()["data"]["project"]["run"]
    node = run["files"]["edges"][0]["node"]
    assert run["fileCount"] >= 3 and node["name"] == "config.yaml"
    fetched = httpx.get(node["url"])  # no key, as wandb-core fetches it
    assert fetched.status_code == 200 and b"lr:" in fetched.content
    assert len(fetched.content) == node["sizeBytes"]
    for changed in (node["url"].replace("config.yaml", "output.log"),
                    re.sub(r"sig=[0-9a-f]{4}", "sig=0000", node["url"]),
                    re.sub(r"exp=\d+", "exp=1", node["url"])):
        refused = httpx.get(changed)
        assert refused.status_code == 401, changed
    assert os.path.basename(node["url"].split("?")[0]) == "config.yaml"


def test_the_captured_reads_of_the_client_are_answered(logged: Logged) -> None:
    """Every GraphQL request ``wandb.Api()`` sent for ``read_api.py`` (fixtures/
    api_0.31.0_read.json), replayed on this server's runs: answered, without errors."""
    session = json.loads((FIXTURES / "api_0.31.0_read.json").read_text())
    ours = {"official": logged.official, "heron_sdk": logged.heron_sdk,
            "media": logged.media_run}
    replayed = 0
    with httpx.Client(base_url=logged.server.url, auth=("api", logged.server.key)) as client:
        for request in session["requests"]:
            if request["kind"] != "graphql":
                continue
            variables = json.dumps(request["variables"])
            for which, captured in session["runs"].items():
                variables = variables.replace(captured, ours[which])
            answer = client.post("/graphql", json={
                "operationName": request["operationName"], "query": request["query"],
                "variables": json.loads(variables)})
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert "errors" not in body, (request["query"][:200], body)
            project = body["data"].get("project") or {}
            named = {"name", "run", "runName"} & set(request["variables"] or {})
            if "run" in project or named:
                assert project.get("run") or request["variables"].get("name") == "nosuchrun"
            replayed += 1
    assert replayed >= 30


def test_a_bad_filter_order_or_cursor_is_refused_naming_it(logged: Logged) -> None:
    query = """query Runs($filters: JSONString, $order: String, $cursor: String) {
        project(name: "many", entityName: "admin") {
            runs(filters: $filters, order: $order, after: $cursor) { edges { node { name } } } }
    }"""
    cases = [({"filters": "{bad json"}, 400, "filters is not JSON"),
             ({"filters": json.dumps({"config.lr": {"$near": 1}})}, 422, "'$near'"),
             ({"filters": json.dumps({"createdAt": {"$gt": "yesterday"}})}, 400, "'yesterday'"),
             ({"filters": json.dumps({"$or": {"state": "x"}})}, 400, "$or takes a list"),
             ({"cursor": "abc"}, 400, "cursor 'abc'"),
             ({"order": "-summary_metrics.acc", "cursor": "4"}, 200, "")]
    for variables, status, message in cases:
        answer = httpx.post(f"{logged.server.url}/graphql", auth=("api", logged.server.key),
                            json={"query": query, "variables": variables})
        assert answer.status_code == status, (variables, answer.text)
        if message:
            assert message in answer.json()["errors"][0]["message"], answer.text
        else:  # the fifth best run onwards
            names = [e["node"]["name"] for e in answer.json()["data"]["project"]["runs"]["edges"]]
            assert names == logged.many[::-1][4:]
