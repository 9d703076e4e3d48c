"""A stored run edited through W&B's public API (``run.update()``, ``run.summary.update()``)
keeps its state and history and takes the edits, as on W&B."""

from __future__ import annotations

import re
from pathlib import Path

from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env, run_script


def test_run_update_edits_the_stored_run(wandb_python: Path, heron_server: Heron,
                                         tmp_path: Path) -> None:
    env = client_env(heron_server, tmp_path)
    logged = run_script(wandb_python, ["edits", "10"], env)
    assert logged.returncode == 0, logged.stderr
    found = re.search(r"run-id: (\S+)", logged.stdout)
    assert found
    run_id = found.group(1)

    edited = run_script(wandb_python, [f"admin/edits/{run_id}"], env,
                        script=SCRIPTS / "edit_api.py")
    assert edited.returncode == 0, edited.stderr

    runs = heron_server.api().runs("edits")
    assert len(runs) == 1  # edited in place, no new run
    run = runs[0]
    assert (run.id, run.name, run.notes, run.state) == (run_id, "renamed", "edited notes",
                                                        "finished")
    assert run.tags == ["a", "b", "edited"]
    assert run.config["added"] == 7 and run.config["lr"] == 0.01
    assert run.summary["best"] == 0.5 and run.summary["loss"] == 1.0 / 10
    assert len(list(run.scan_history())) == 10
