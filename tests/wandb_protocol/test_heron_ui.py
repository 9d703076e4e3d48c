"""``heron ui`` says how to point the official client at it, and the client's run lands in
the local store."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

import heron
from tests.support.postgres import free_port
from tests.support.server import HERON
from tests.wandb_protocol.conftest import Heron, client_env, run_script


def test_heron_ui_prints_the_two_variables_and_takes_the_client(
        wandb_python: Path, heron_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([*HERON, "ui", "--port", str(port), "--no-browser"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=os.environ.copy(), start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        assert proc.stderr is not None
        said = "".join(proc.stderr.readline() for _ in range(2))  # printed before serving
        found = re.search(r"WANDB_BASE_URL=(\S+) WANDB_API_KEY=(\S+)", said)
        assert found, said
        assert found.group(1) == url

        done = run_script(wandb_python, ["ui-project", "20"],
                          client_env(Heron(url, found.group(2)), tmp_path))
        assert done.returncode == 0, done.stderr
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    run_id = re.search(r"run-id: (\S+)", done.stdout).group(1)  # type: ignore[union-attr]
    run = heron.Api().run(f"ui-project/{run_id}")  # the local store, read directly
    assert run.state == "finished"
    assert [row["_step"] for row in run.scan_history()] == list(range(20))
    assert run.config["lr"] == 0.01
