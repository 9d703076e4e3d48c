"""The unmodified official wandb client (0.31.0, from the package index) logs to a real
``heron server``, and the run reads back through ``heron.Api()`` like any Heron run."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, run_script

STEPS = 300
CONFIG = {"lr": 0.01, "layers": [64, 32], "opt": {"name": "adam"}, "extra": 5}


def _run_id(stdout: str) -> str:
    found = re.search(r"run-id: (\S+)", stdout)
    assert found, stdout
    return found.group(1)


def _user_keys(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not k.startswith("_")}


def _rows(run: Any) -> list[dict[str, Any]]:
    return [{k: row[k] for k in ("_step", "loss", "acc", "epoch")}
            for row in run.scan_history()]


def test_a_run_of_the_official_client_is_a_heron_run(wandb_python: Path, heron_server: Heron,
                                                     tmp_path: Path) -> None:
    done = run_script(wandb_python, ["wandb-client", str(STEPS)],
                      client_env(heron_server, tmp_path))
    assert done.returncode == 0, done.stderr
    run = heron_server.api().run(f"wandb-client/{_run_id(done.stdout)}")

    assert run.state == "finished" and run.exit_code == 0
    assert dict(run.config) == CONFIG  # W&B's {"value": v} unwrapped, no "_wandb"
    assert (run.tags, run.notes, run.group) == (["a", "b"], "some notes", "g1")
    rows = _rows(run)
    assert rows == [{"_step": i, "loss": 1.0 / (i + 1), "acc": i / STEPS, "epoch": i // 100}
                    for i in range(STEPS)]  # each once, though sent over several posts
    summary = dict(run.summary)
    assert _user_keys(summary) == {"loss": 1.0 / STEPS, "acc": (STEPS - 1) / STEPS,
                                   "epoch": 2, "best": 0.99}
    assert "_wandb" not in summary and summary["_step"] == STEPS - 1
    assert {"config.yaml", "output.log", "wandb-metadata.json",
            "wandb-summary.json"} <= {f.name for f in run.files()}
    assert "hello from the script" in run.console()
    assert "done" in run.console()
    assert run.metadata["wandb"]["cli_version"] == "0.31.0"


def test_a_non_zero_exit_code_fails_the_run(wandb_python: Path, heron_server: Heron,
                                            tmp_path: Path) -> None:
    done = run_script(wandb_python, ["wandb-client", "5", "3"],
                      client_env(heron_server, tmp_path))
    assert done.returncode == 3, done.stderr
    run = heron_server.api().run(f"wandb-client/{_run_id(done.stdout)}")
    assert (run.state, run.exit_code) == ("failed", 3)
    assert len(_rows(run)) == 5


def test_the_same_script_under_import_heron_as_wandb_stores_the_same(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    official = run_script(wandb_python, ["same", "120"], client_env(heron_server, tmp_path))
    assert official.returncode == 0, official.stderr
    env = {**client_env(heron_server, tmp_path), "HERON_AS_WANDB": "1",
           "HERON_HOST": heron_server.url, "HERON_API_KEY": heron_server.key,
           "HERON_SILENT": "1", "HERON_DIR": str(tmp_path / "heron-dir"),
           "PYTHONPATH": ":".join(sys.path)}
    heron_sdk = run_script(sys.executable, ["same", "120"], env)
    assert heron_sdk.returncode == 0, heron_sdk.stderr
    api = heron_server.api()
    a = api.run(f"same/{_run_id(official.stdout)}")
    b = api.run(f"same/{_run_id(heron_sdk.stdout)}")
    assert _rows(a) == _rows(b)
    assert _user_keys(dict(a.summary)) == _user_keys(dict(b.summary))
    assert dict(a.config) == dict(b.config) == CONFIG
    assert (a.tags, a.notes, a.group, a.state) == (b.tags, b.notes, b.group, b.state)


def test_a_wrong_key_is_shown_and_the_script_fails_fast(wandb_python: Path,
                                                        heron_server: Heron,
                                                        tmp_path: Path) -> None:
    wrong = "hk-" + "x" * 43
    started = time.monotonic()
    done = run_script(wandb_python, ["wandb-client", "3"],
                      client_env(heron_server, tmp_path, key=wrong), timeout=60)
    assert done.returncode != 0
    assert time.monotonic() - started < 30
    assert "the API key is unknown or revoked" in done.stderr
    assert len(heron_server.api().runs("wandb-client")) == 0


def test_a_key_under_40_characters_is_refused_by_the_client(
        wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    done = run_script(wandb_python, ["wandb-client", "3"],
                      client_env(heron_server, tmp_path, key="hk-short"), timeout=60)
    assert done.returncode != 0
    assert "API key must have 40+ characters" in done.stderr


def test_resume_must_continues_the_run(wandb_python: Path, heron_server: Heron,
                                       tmp_path: Path) -> None:
    env = client_env(heron_server, tmp_path)
    first = run_script(wandb_python, ["resumed", "30"], env)
    assert first.returncode == 0, first.stderr
    run_id = _run_id(first.stdout)
    again = run_script(wandb_python, ["resumed", run_id, "20"], env,
                       script=SCRIPTS / "resume_run.py")
    assert again.returncode == 0, again.stderr
    assert "config on resume: 0.01 best: 0.99" in again.stdout  # what Heron handed back

    run = heron_server.api().run(f"resumed/{run_id}")
    rows = list(run.scan_history())
    assert [row["_step"] for row in rows] == list(range(50))  # steps go on, nothing twice
    assert [row["loss"] for row in rows[30:]] == [-i for i in range(20)]
    assert run.state == "finished" and dict(run.config) == CONFIG
    assert run.console()[:2] == ["hello from the script", "done"]
    assert run.console()[-1].startswith("config on resume:")
