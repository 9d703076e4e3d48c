"""Concurrent writers on both backends: nothing lost, nothing stored twice, no writer failing.

SQLite serialises writers with BEGIN IMMEDIATE; PostgreSQL runs them at once, so these tests
are where the two differ: project and run creation races, a retried batch arriving on two
replicas together, chunk merging within one run, the live feed's cursor, and migrations.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from heron import records as r
from heron.store import SqlStore, open_store

from ._support import batch, row, together
from .conftest import OpenStore, Sql

THREADS = 4



def test_threads_writing_different_runs_into_one_store_lose_nothing(store: SqlStore) -> None:
    steps = 60

    def write(i: int) -> None:
        run_id = f"run{i}"
        store.write(batch(run_id, 1, r.RunStart(name=run_id), project="shared"))
        for s in range(steps):
            store.write(batch(run_id, s + 2, row(s, value=s * 2 + i, who=run_id),
                              r.ConsoleLine("stdout", float(s), f"{run_id} {s}"),
                              project="shared"))
        store.write(batch(run_id, steps + 2, r.RunEnd(state="finished", exit_code=0,
                                                      ended_at=1.0), project="shared"))

    together(THREADS, write)

    for i in range(THREADS):
        info = store.get_run("shared", f"run{i}")
        assert (info.state, info.history_rows, info.last_step) == ("finished", steps, steps - 1)
        assert store.read_series(info.pk, "value").values.tolist() == [
            s * 2 + i for s in range(steps)]
        assert store.read_series(info.pk, "who").values.tolist() == [f"run{i}"] * steps
        assert [ln.text for ln in store.console(info.pk)] == [f"run{i} {s}" for s in range(steps)]
    assert [(p.name, p.run_count) for p in store.list_projects()] == [("shared", THREADS)]


def test_a_batch_retried_on_several_replicas_at_once_is_applied_once(
    open_again: OpenStore, sql: Sql
) -> None:
    replicas = [open_again() for _ in range(THREADS)]

    def send(seq: int, *records: r.Record) -> list[bool]:
        return together(THREADS, lambda i: replicas[i].write(batch("run1", seq, *records)))

    first = send(1, r.RunStart(name="retried"), row(0, loss=1.0), r.ConsoleLine("o", 1.0, "a"))
    second = send(2, row(1, loss=0.5), r.Alert("t", "x", "INFO", 1.0))

    assert sorted(first) == [False] * (THREADS - 1) + [True]
    assert sorted(second) == [False] * (THREADS - 1) + [True]
    info = replicas[0].get_run("proj", "run1")
    assert (info.history_rows, info.last_seq) == (2, 2)
    assert replicas[0].read_series(info.pk, "loss").values.tolist() == [1.0, 0.5]
    assert sql("SELECT COUNT(*) FROM runs") == [(1,)]
    assert sql("SELECT COUNT(*) FROM projects") == [(1,)]
    assert sql("SELECT COUNT(*) FROM console_lines") == [(1,)]
    assert sql("SELECT COUNT(*) FROM alerts") == [(1,)]


def test_unsequenced_batches_of_one_run_written_at_once_all_land(open_again: OpenStore) -> None:
    replicas = [open_again() for _ in range(THREADS)]
    per_thread = 40

    def write(i: int) -> None:
        for k in range(per_thread):
            step = k * THREADS + i
            replicas[i].write(batch("run1", 0, row(step, v=float(step))))

    together(THREADS, write)

    info = replicas[0].get_run("proj", "run1")
    series = replicas[0].read_series(info.pk, "v")
    total = THREADS * per_thread
    assert series.steps.tolist() == list(range(total))  # no lost chunk update
    assert series.values.tolist() == [float(s) for s in range(total)]
    assert (info.history_rows, info.last_step) == (total, total - 1)


def test_a_live_reader_following_the_cursor_misses_no_event(
    open_again: OpenStore, sql: Sql
) -> None:
    writers = [open_again() for _ in range(THREADS)]
    reader = open_again()
    done = threading.Event()
    seen: list[int] = []

    def follow() -> None:
        cursor = 0
        while True:
            finished = done.is_set()
            events = reader.events_after(cursor, "proj", limit=1000)
            seen.extend(e[0] for e in events)
            if events:
                cursor = events[-1][0]
            elif finished:
                return

    follower = threading.Thread(target=follow)
    follower.start()
    try:
        together(THREADS, lambda i: [
            writers[i].write(batch(f"run{i}", s + 1, row(s, v=1.0))) for s in range(50)])
    finally:
        done.set()
        follower.join(timeout=60)

    assert seen == [i for (i,) in sql("SELECT id FROM events ORDER BY id")]
    assert len(seen) == THREADS * 50


def test_replicas_creating_the_first_admin_key_together_all_succeed(
    open_again: OpenStore, sql: Sql
) -> None:
    replicas = [open_again() for _ in range(THREADS)]

    made = together(THREADS, lambda i: replicas[i].create_key("admin", admin=True))

    assert sql("SELECT name, admin FROM users") == [("admin", 1)]
    for key, info in made:
        checked = replicas[0].check_key(key)
        assert checked is not None and checked.user == "admin" and info.admin


WRITER = textwrap.dedent("""
    import os, sys, time
    from heron import records as r
    from heron.store import open_store

    url, media, run_id, count, go = sys.argv[1:6]
    deadline = time.time() + 60
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.002)  # start together with the other writers
    store = open_store(url, media_root=media)  # all find the database empty: one migrates
    store.write(r.Batch(project="shared", run_id=run_id, seq=1,
                        records=[r.RunStart(name=run_id)]))
    for i in range(int(count)):
        store.write(r.Batch(project="shared", run_id=run_id, seq=i + 2, records=[
            r.HistoryRow(i, {"_step": i, "value": i * 2, "who": run_id}),
            r.ConsoleLine("stdout", float(i), f"{run_id} line {i}"),
        ]))
    store.write(r.Batch(project="shared", run_id=run_id, seq=int(count) + 2, records=[
        r.RunEnd(state="finished", exit_code=0, ended_at=time.time())]))
    store.close()
""")


def test_processes_opening_one_new_database_at_once_migrate_it_once_and_lose_nothing(
    empty_url: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    count = 30
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, empty_url, str(tmp_path / "media"),
                          f"run{i}", str(count), str(go)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(THREADS)
    ]
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    store = open_store(empty_url, media_root=tmp_path / "media")
    try:
        for i in range(THREADS):
            run_id = f"run{i}"
            info = store.get_run("shared", run_id)
            assert info is not None and info.state == "finished"
            assert info.history_rows == count
            assert store.read_series(info.pk, "value").values.tolist() == [
                k * 2 for k in range(count)]
            assert store.read_series(info.pk, "who").values.tolist() == [run_id] * count
            assert len(store.console(info.pk)) == count
        assert [(p.name, p.run_count) for p in store.list_projects()] == [("shared", THREADS)]
    finally:
        store.close()
