"""How runs end: finished, failed, killed, crashed; each keeps what was logged."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

import heron
from heron.errors import RunNotFound

from .helpers import run_script, start_script

LOGGING = """
import heron, time, sys
run = heron.init(project="life", id="{run_id}")
for i in range(5):
    heron.log({{"i": i}})
print("ready", flush=True)
"""


def stored(run_id: str) -> heron.api.Run:
    return heron.Api().run(f"life/{run_id}")


def stored_eventually(run_id: str, rows: int, timeout: float = 60.0) -> heron.api.Run:
    """The run once ``rows`` history rows have arrived (a writer process may still be busy)."""
    deadline = time.time() + timeout
    while True:
        try:
            run = stored(run_id)
            if run.lastHistoryStep + 1 >= rows or time.time() > deadline:
                return run
        except RunNotFound:
            if time.time() > deadline:
                raise
        time.sleep(0.1)


def test_script_that_ends_normally_is_finished_by_atexit(tmp_path: Path) -> None:
    done = run_script(LOGGING.format(run_id="atexit01"), tmp_path)
    assert done.returncode == 0, done.stderr
    run = stored("atexit01")
    assert run.state == "finished" and run.exit_code == 0
    assert [r["i"] for r in run.scan_history()] == [0, 1, 2, 3, 4]


def test_uncaught_exception_fails_the_run_with_its_traceback(tmp_path: Path) -> None:
    done = run_script(LOGGING.format(run_id="failed01") + "raise RuntimeError('boom 42')\n",
                      tmp_path)
    assert done.returncode == 1 and "boom 42" in done.stderr
    run = stored("failed01")
    assert run.state == "failed" and run.exit_code == 1
    assert "RuntimeError: boom 42" in (run.traceback or "")
    assert len(list(run.scan_history())) == 5


def test_sys_exit_code_is_recorded(tmp_path: Path) -> None:
    done = run_script(LOGGING.format(run_id="sysexit1") + "sys.exit(3)\n", tmp_path)
    assert done.returncode == 3
    run = stored("sysexit1")
    assert run.state == "failed" and run.exit_code == 3


def test_system_exit_inside_the_run_block_ends_it_with_that_code(tmp_path: Path) -> None:
    code = """
import heron
with heron.init(project="life", id="{run_id}"):
    heron.log({{"i": 0}})
    raise SystemExit({status})
"""
    failed = run_script(code.format(run_id="block003", status=3), tmp_path)
    assert failed.returncode == 3, failed.stderr
    assert (stored("block003").state, stored("block003").exit_code) == ("failed", 3)
    clean = run_script(code.format(run_id="block000", status=0), tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert (stored("block000").state, stored("block000").exit_code) == ("finished", 0)


@pytest.mark.skipif(sys.version_info < (3, 12),
                    reason="needs sys.monitoring (Python 3.12+) to see a raised SystemExit")
def test_raise_system_exit_at_top_level_fails_the_run_with_its_code(tmp_path: Path) -> None:
    done = run_script(LOGGING.format(run_id="raised03") + "def main():\n"
                      "    raise SystemExit(3)\nmain()\n", tmp_path)
    assert done.returncode == 3
    run = stored("raised03")
    assert run.state == "failed" and run.exit_code == 3


def test_keyboard_interrupt_kills_the_run(tmp_path: Path) -> None:
    done = run_script(LOGGING.format(run_id="ctrlc001") + "raise KeyboardInterrupt\n", tmp_path)
    assert done.returncode != 0
    assert stored("ctrlc001").state == "killed"


def test_sigterm_kills_the_run_and_keeps_its_data(tmp_path: Path) -> None:
    proc = start_script(LOGGING.format(run_id="sigterm1") + "time.sleep(60)\n", tmp_path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM
    run = stored("sigterm1")
    assert run.state == "killed" and run.exit_code == 128 + signal.SIGTERM
    assert len(list(run.scan_history())) == 5


def test_sigkill_leaves_a_crashed_run_with_everything_flushed(tmp_path: Path) -> None:
    code = LOGGING.format(run_id="sigkill1") + "time.sleep(1.0)\nprint('flushed', flush=True)\n" \
        "time.sleep(60)\n"
    proc = start_script(code, tmp_path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    assert proc.stdout.readline().strip() == "flushed"
    proc.kill()
    proc.wait(timeout=30)
    # The writer process outlives the training process and still writes what it was handed.
    run = stored_eventually("sigkill1", rows=5)
    assert run.state == "crashed"
    assert [r["i"] for r in run.scan_history()] == [0, 1, 2, 3, 4]


def test_silent_run_turns_crashed_when_heartbeats_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    from heron import records as r
    from heron.store import open_store

    store = open_store(heron.Settings().store_dir)
    store.write(r.Batch(project="life", run_id="remote01", seq=1, records=[
        r.RunStart(name="elsewhere", heartbeat_interval=0.05, metadata={"host": "other-host"})]))
    assert stored("remote01").state == "running"
    time.sleep(0.3)
    assert stored("remote01").state == "crashed"
    store.write(r.Batch(project="life", run_id="remote01", seq=2,
                        records=[r.Heartbeat(timestamp=time.time())]))
    assert stored("remote01").state == "running"


def test_context_manager_finishes_or_fails_the_run() -> None:
    with heron.init(project="life") as run:
        heron.log({"a": 1})
    assert stored(run.id).state == "finished"
    with pytest.raises(ValueError), heron.init(project="life") as failing:
        raise ValueError("bad batch")
    info = stored(failing.id)
    assert info.state == "failed" and "bad batch" in (info.traceback or "")


def test_finish_with_exit_code_marks_failed() -> None:
    run = heron.init(project="life")
    heron.finish(exit_code=2)
    info = stored(run.id)
    assert info.state == "failed" and info.exit_code == 2


def test_log_after_finish_is_ignored_with_a_warning() -> None:
    run = heron.init(project="life")
    run.log({"a": 1})
    run.finish()
    with pytest.warns(UserWarning, match="finished"):
        run.log({"a": 2})
    assert len(list(stored(run.id).scan_history())) == 1
