"""Stopping a run from outside (the dashboard's Stop, ``heron.Api().run(...).stop()``) ends its
script as W&B's "Stop run" does: a ``KeyboardInterrupt`` in the main thread, the script's
``finally`` blocks run, and the run ends ``killed`` with exit code 255, keeping its data."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import heron
from heron.errors import Conflict, RunNotFound

from .helpers import start_script

TRAINING = """
import heron, time
run = heron.init(project="stops", id="{run_id}")
try:
    for i in range(100_000):
        heron.log({{"i": i}})
        if i == 3:
            print("ready", flush=True)
        time.sleep(0.02)
    print("never stopped", flush=True)
finally:
    print("cleanup ran", flush=True)
"""


def stop_and_watch(run_id: str, tmp_path: Path, stop_within: float = 20.0) -> None:
    """Start the training script, stop its run through ``heron.Api`` and check how it ends."""
    proc = start_script(TRAINING.format(run_id=run_id), tmp_path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.time() + 30
    while True:  # the writer may not have stored the run yet
        try:
            run = heron.Api().run(f"stops/{run_id}")
            break
        except RunNotFound:
            assert time.time() < deadline
            time.sleep(0.1)
    asked = time.time()
    run.stop()
    out, err = proc.communicate(timeout=stop_within + 30)
    took = time.time() - asked
    assert proc.returncode != 0, out
    assert "cleanup ran" in out and "never stopped" not in out
    assert "was asked to stop" in err
    assert took < stop_within, took
    ended = heron.Api().run(f"stops/{run_id}")
    assert (ended.state, ended.exit_code) == ("killed", 255)
    rows = [row["i"] for row in ended.scan_history()]
    assert rows == list(range(len(rows))) and len(rows) > 3  # what was logged is kept
    with pytest.raises(Conflict, match="not running"):
        ended.stop()


def test_stopping_a_run_ends_its_script_and_keeps_its_data(tmp_path: Path) -> None:
    stop_and_watch("stopme01", tmp_path)
