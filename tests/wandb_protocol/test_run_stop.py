"""Stopping a run from Heron (the dashboard's Stop, ``POST .../runs/{run}/stop``) ends the
official client's script as W&B's "Stop run" does, and the same script under
``import heron as wandb`` ends the same way."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from heron.errors import RunNotFound
from tests.wandb_protocol.conftest import SCRIPTS, Heron, client_env


def _stop_script(python: Path | str, env: dict[str, str], server: Heron) -> tuple[int, str, str]:
    """Run the script until it logs, stop its run through ``heron.Api``; (exit code, run id,
    stdout)."""
    proc = subprocess.Popen([str(python), str(SCRIPTS / "train_until_stopped.py"), "stops"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("run-id:"), line + (proc.stderr.read() if proc.stderr else "")
        run_id = line.split()[1]
        deadline = time.time() + 30
        while True:
            try:
                run = server.api().run(f"stops/{run_id}")
                break
            except RunNotFound:
                assert time.time() < deadline
                time.sleep(0.2)
        run.stop()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, run_id, line + out


@pytest.mark.parametrize("sdk", ["wandb", "heron"])
def test_a_stop_from_heron_ends_the_script_and_the_run_is_killed(
        sdk: str, wandb_python: Path, heron_server: Heron, tmp_path: Path) -> None:
    env = client_env(heron_server, tmp_path)
    python: Path | str = wandb_python
    if sdk == "heron":
        env.update({"HERON_AS_WANDB": "1", "HERON_HOST": heron_server.url,
                    "HERON_API_KEY": heron_server.key, "HERON_SILENT": "1",
                    "HERON_DIR": str(tmp_path / "heron-dir"), "PYTHONPATH": ":".join(sys.path)})
        python = sys.executable
    code, run_id, out = _stop_script(python, env, heron_server)
    assert code != 0 and "cleanup ran" in out and "never stopped" not in out
    run = heron_server.api().run(f"stops/{run_id}")
    assert (run.state, run.exit_code) == ("killed", 255)
    steps = [row["i"] for row in run.scan_history()]
    assert steps == list(range(len(steps))) and len(steps) > 3
