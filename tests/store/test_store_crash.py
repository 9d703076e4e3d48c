"""A running run whose heartbeats stopped, or whose process is gone, reads back as crashed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from heron import records as r
from heron.store import SqlStore

from ._support import batch, row

BEAT = 0.2
"""A short heartbeat interval: silence of 4 beats (0.8 s) means crashed."""


def _wait_past_four_beats() -> None:
    time.sleep(4 * BEAT + 0.2)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_a_running_run_that_stopped_beating_reads_as_crashed(store: SqlStore) -> None:
    store.write(
        batch("run1", 1, r.RunStart(name="silent", heartbeat_interval=BEAT), row(0, loss=1.0))
    )
    assert store.get_run("proj", "run1").state == "running"

    _wait_past_four_beats()

    assert store.get_run("proj", "run1").state == "crashed"
    assert [i.state for i in store.list_runs("proj")] == ["crashed"]


def test_a_late_heartbeat_revives_a_crashed_run(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="slow", heartbeat_interval=BEAT)))
    _wait_past_four_beats()
    assert store.get_run("proj", "run1").state == "crashed"

    store.write(batch("run1", 2, r.Heartbeat(timestamp=time.time()), row(0, loss=0.5)))

    info = store.get_run("proj", "run1")
    assert info.state == "running"
    assert store.read_series(info.pk, "loss").values.tolist() == [0.5]


def test_every_write_counts_as_a_sign_of_life(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="busy", heartbeat_interval=BEAT)))
    for seq in range(2, 8):
        time.sleep(BEAT)
        store.write(batch("run1", seq, row(seq, loss=1.0 / seq)))

    assert store.get_run("proj", "run1").state == "running"


def test_a_run_that_ended_never_turns_crashed(store: SqlStore) -> None:
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="done", heartbeat_interval=BEAT),
            r.RunEnd(state="finished", exit_code=0, ended_at=time.time()),
        )
    )
    store.write(
        batch(
            "run2",
            1,
            r.RunStart(name="broke", heartbeat_interval=BEAT),
            r.RunEnd(state="failed", exit_code=1, ended_at=time.time()),
        )
    )

    _wait_past_four_beats()

    assert store.get_run("proj", "run1").state == "finished"
    assert store.get_run("proj", "run2").state == "failed"


def test_a_run_whose_process_died_on_this_host_reads_as_crashed(store: SqlStore) -> None:
    meta = {"host": socket.gethostname(), "pid": _dead_pid()}

    store.write(batch("run1", 1, r.RunStart(name="killed", metadata=meta), row(0, loss=1.0)))

    info = store.get_run("proj", "run1")
    assert info.state == "crashed"
    assert info.pid == meta["pid"]


def test_a_run_whose_process_is_alive_stays_running(store: SqlStore, live_pid: int) -> None:
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="alive", metadata={"host": socket.gethostname(), "pid": live_pid}),
        )
    )
    store.write(
        batch(
            "run2",
            1,
            r.RunStart(name="me", metadata={"host": socket.gethostname(), "pid": os.getpid()}),
        )
    )

    assert store.get_run("proj", "run1").state == "running"
    assert store.get_run("proj", "run2").state == "running"


def test_a_dead_pid_on_another_host_says_nothing_about_the_run(store: SqlStore) -> None:
    meta = {"host": socket.gethostname() + "-elsewhere", "pid": _dead_pid()}

    store.write(batch("run1", 1, r.RunStart(name="remote", metadata=meta)))

    assert store.get_run("proj", "run1").state == "running"
