"""A running run whose heartbeats stopped, or whose process is gone, reads back as crashed;
reads only show it, ``settle_crashed`` records it (on every backend)."""

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
from .conftest import Sql

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


def test_reading_a_silent_run_shows_it_crashed_but_writes_nothing(
    store: SqlStore, sql: Sql
) -> None:
    store.write(batch("run1", 1, r.RunStart(name="silent", heartbeat_interval=BEAT)))
    _wait_past_four_beats()

    assert store.get_run("proj", "run1").state == "crashed"
    assert [i.state for i in store.list_runs("proj")] == ["crashed"]
    assert sql("SELECT state FROM runs") == [("running",)]


def test_settling_records_the_crashed_state_once_and_a_late_beat_revives_the_run(
    store: SqlStore, sql: Sql
) -> None:
    store.write(batch("run1", 1, r.RunStart(name="silent", heartbeat_interval=BEAT)))
    store.write(batch("run2", 1, r.RunStart(name="busy", heartbeat_interval=60.0)))
    _wait_past_four_beats()

    assert store.settle_crashed() == 1
    assert store.settle_crashed() == 0
    assert sorted(sql("SELECT run_id, state FROM runs")) == [
        ("run1", "crashed"), ("run2", "running")]

    store.write(batch("run1", 2, r.Heartbeat(timestamp=time.time())))
    assert store.get_run("proj", "run1").state == "running"
    assert sorted(sql("SELECT run_id, state FROM runs")) == [
        ("run1", "running"), ("run2", "running")]


def test_settling_one_project_leaves_the_others_alone(store: SqlStore, sql: Sql) -> None:
    for project in ("a", "b"):
        store.write(batch("run1", 1, r.RunStart(name="silent", heartbeat_interval=BEAT),
                          project=project))
    _wait_past_four_beats()

    assert store.settle_crashed("a") == 1
    assert sorted(sql("SELECT p.name, r.state FROM runs r JOIN projects p "
                      "ON p.id = r.project_id")) == [("a", "crashed"), ("b", "running")]


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
