"""Runs on both backends: crash detection, edits, deletes, listings, API keys and the live
feed's events."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from heron import records as r
from heron.errors import ValueRejected
from heron.store import SqlStore

from ._support import batch, row
from .conftest import Sql

BEAT = 0.5  # wide enough that a loaded machine reads "running" right after the write
"""A short heartbeat interval: silence of 4 beats (0.8 s) means crashed."""
RUN_TABLES = ("history_chunks", "history_objects", "console_lines", "run_files", "alerts")


def _full_run(store: SqlStore, run_id: str, project: str = "proj") -> int:
    store.write(batch(
        run_id, 1, r.RunStart(name=run_id, config={"lr": 0.1}),
        row(0, loss=1.0, label="a"), row(1, loss=0.5, label="b"),
        r.SystemSample(0, {"system/cpu": 10.0}), r.ConsoleLine("stdout", 1.0, "hello"),
        r.FileSaved("model.pt", "media/aa/aa-model.pt", 3, "a" * 64),
        r.Alert("t", "x", "INFO", 1.0), r.SummarySet({"loss": 0.5}), project=project,
    ))
    return store.get_run(project, run_id).pk


def _rows_of(sql: Sql, run_pk: int) -> dict[str, int]:
    return {table: sql(f"SELECT COUNT(*) FROM {table} WHERE run_pk = :pk", pk=run_pk)[0][0]
            for table in RUN_TABLES}


def test_a_run_that_stopped_beating_reads_as_crashed_and_a_late_beat_revives_it(
    store: SqlStore,
) -> None:
    store.write(batch("run1", 1, r.RunStart(name="silent", heartbeat_interval=BEAT)))
    store.write(batch("run2", 1, r.RunStart(name="done", heartbeat_interval=BEAT),
                      r.RunEnd(state="finished", exit_code=0, ended_at=time.time())))
    assert store.get_run("proj", "run1").state == "running"

    time.sleep(4 * BEAT + 0.3)

    assert store.get_run("proj", "run1").state == "crashed"
    assert {i.run_id: i.state for i in store.list_runs("proj")} == {
        "run1": "crashed", "run2": "finished"}
    store.write(batch("run1", 2, r.Heartbeat(timestamp=time.time()), row(0, loss=0.5)))
    info = store.get_run("proj", "run1")
    assert info.state == "running"
    assert store.read_series(info.pk, "loss").values.tolist() == [0.5]


def test_a_run_whose_process_died_on_this_host_reads_as_crashed(store: SqlStore) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    here = socket.gethostname()
    store.write(batch("dead", 1, r.RunStart(name="d", metadata={"host": here, "pid": proc.pid})))
    store.write(batch("me", 1, r.RunStart(name="m", metadata={"host": here, "pid": os.getpid()})))

    assert store.get_run("proj", "dead").state == "crashed"
    assert store.get_run("proj", "me").state == "running"


def test_delete_run_removes_the_run_and_everything_it_logged(store: SqlStore, sql: Sql) -> None:
    doomed = _full_run(store, "doomed")
    kept = _full_run(store, "kept")
    assert all(n > 0 for n in _rows_of(sql, doomed).values())

    store.delete_run(doomed)

    assert store.get_run("proj", "doomed") is None
    assert [i.run_id for i in store.list_runs("proj")] == ["kept"]
    assert _rows_of(sql, doomed) == dict.fromkeys(RUN_TABLES, 0)
    assert _rows_of(sql, kept) == {"history_chunks": 2, "history_objects": 2,
                                   "console_lines": 1, "run_files": 1, "alerts": 1}
    # The id can be logged to again, as a new run.
    assert store.write(batch("doomed", 1, r.RunStart(name="again"), row(0, loss=9.0))) is True
    again = store.get_run("proj", "doomed")
    assert store.read_series(again.pk, "loss").values.tolist() == [9.0]


def test_update_run_edits_the_editable_fields_only(store: SqlStore) -> None:
    pk = _full_run(store, "edited")

    store.update_run(pk, name="renamed", tags=("x", "y"), notes="n", group="g", job_type="eval",
                     config={"lr": 0.2, "nan": float("nan")}, summary={"loss": 0.25})

    info = store.get_run("proj", "edited")
    assert (info.name, info.tags, info.notes, info.group, info.job_type) == (
        "renamed", ["x", "y"], "n", "g", "eval")
    assert info.config["lr"] == 0.2 and info.config["nan"] != info.config["nan"]
    assert info.summary == {"loss": 0.25}
    with pytest.raises(ValueRejected, match="'state' cannot be edited"):
        store.update_run(pk, state="finished")
    store.update_run(pk)  # nothing to change
    assert store.get_run("proj", "edited").name == "renamed"


def test_a_stop_is_asked_of_running_runs_only_and_a_resume_clears_it(store: SqlStore) -> None:
    store.write(batch("live", 1, r.RunStart(name="live", heartbeat_interval=60.0)))
    pk = store.get_run("proj", "live").pk
    assert store.get_run("proj", "live").stop_requested_at is None

    assert store.request_run_stop(pk) is True
    asked = store.get_run("proj", "live").stop_requested_at
    assert asked is not None and abs(asked - time.time()) < 60
    assert store.request_run_stop(pk) is True  # asking again changes nothing
    assert store.get_run("proj", "live").stop_requested_at == asked

    store.write(batch("live", 2, r.RunEnd(state="killed", exit_code=255, ended_at=time.time())))
    assert store.request_run_stop(pk) is False  # ended: nothing to stop
    store.write(batch("live", 3, r.RunStart(name="live", resumed=True,
                                            heartbeat_interval=60.0)))
    assert store.get_run("proj", "live").stop_requested_at is None
    assert store.request_run_stop(pk) is True


def test_runs_are_listed_newest_first_and_filtered(store: SqlStore) -> None:
    for i, (run_id, project, entity, sweep) in enumerate([
        ("a", "p1", "", None), ("b", "p1", "team", "sw"), ("c", "p2", "", "sw"),
        ("d", "p1", "", "sw"),
    ]):
        store.write(batch(run_id, 1, r.RunStart(name=run_id, started_at=1000.0 + i,
                                                sweep_id=sweep),
                          project=project, entity=entity))

    assert [i.run_id for i in store.list_runs()] == ["d", "c", "b", "a"]
    assert [i.run_id for i in store.list_runs("p1")] == ["d", "b", "a"]
    assert [i.run_id for i in store.list_runs("p1", entity="team")] == ["b"]
    assert [i.run_id for i in store.list_runs(sweep_id="sw")] == ["d", "c", "b"]
    assert [i.run_id for i in store.list_runs("p1", sweep_id="sw")] == ["d", "b"]
    assert store.list_runs("nope") == []


def test_projects_are_listed_by_latest_activity_with_their_run_counts(store: SqlStore) -> None:
    _full_run(store, "r1", project="old")
    _full_run(store, "r2", project="empty")
    time.sleep(0.01)
    _full_run(store, "r3", project="new")
    _full_run(store, "r4", project="new")
    store.delete_run(store.get_run("empty", "r2").pk)

    listed = [(p.entity, p.name, p.run_count) for p in store.list_projects()]

    # The project left without runs comes last on both backends.
    assert listed == [("", "new", 2), ("", "old", 1), ("", "empty", 0)]
    info = {p.name: p for p in store.list_projects()}
    assert info["empty"].last_activity is None
    assert info["new"].last_activity == max(i.updated_at for i in store.list_runs("new"))


def test_api_keys_are_created_checked_listed_and_revoked(store: SqlStore, sql: Sql) -> None:
    assert store.has_keys() is False
    key, info = store.create_key("ada", admin=True)
    other, other_info = store.create_key("bob")
    second, _ = store.create_key("ada")

    assert key.startswith("hk-") and len(key) >= 43
    assert store.has_keys() is True
    assert key not in str(sql("SELECT * FROM api_keys"))  # only a hash is stored
    checked = store.check_key(key)
    assert checked is not None and (checked.user, checked.admin) == ("ada", True)
    assert store.check_key(second).admin is True  # the user's rights, not the call's
    assert (store.check_key(other).user, store.check_key(other).admin) == ("bob", False)
    assert store.check_key("hk-" + "x" * 43) is None
    assert [(k.user, k.hint) for k in store.list_keys()] == [
        ("ada", key[:7]), ("bob", other[:7]), ("ada", second[:7])]

    assert store.revoke_key(info.id) is True
    assert store.revoke_key(info.id) is False
    assert store.check_key(key) is None
    assert store.check_key(other) is not None
    assert [k.revoked_at is not None for k in store.list_keys()] == [True, False, False]
    assert store.revoke_key(9999) is False
    assert other_info.user == "bob"


def test_events_carry_each_batch_to_the_live_feed_in_order(store: SqlStore) -> None:
    assert store.last_event_id() == 0
    store.write(batch("run1", 1, r.RunStart(name="live"), row(0, loss=1.0)))
    store.write(batch("run2", 1, r.RunStart(name="other"), project="elsewhere"))
    store.write(batch("run1", 2, row(1, loss=float("inf")), r.ConsoleLine("stdout", 2.0, "hi")))
    store.write(batch("run1", 3, r.Heartbeat(timestamp=1.0)))  # nothing to tell: no event
    store.write(batch("run1", 4, *(row(s, loss=0.5) for s in range(2, 602))))

    events = store.events_after(0, "proj")

    assert [e[0] for e in events] == sorted(e[0] for e in events)
    assert [payload["run"] for _, _, payload in events] == [True, False, False]
    assert events[0][2]["history"] == [{"_step": 0, "loss": 1.0}]
    assert events[1][2]["history"] == [{"_step": 1, "loss": float("inf")}]
    (line,) = events[1][2]["console"]  # with its id, which a redrawn line comes again with
    assert {k: v for k, v in line.items() if k != "id"} == {"stream": "stdout",
                                                            "timestamp": 2.0, "text": "hi"}
    assert line["id"] == store.console(store.get_run("proj", "run1").pk)[0].id
    assert events[2][2]["history_range"] == [2, 601]  # too many rows: a range to fetch
    assert store.last_event_id() == events[-1][0]
    assert store.events_after(events[0][0], "proj") == events[1:]
    assert store.events_after(0, "proj", limit=1) == events[:1]
    assert [e[0] for e in store.events_after(0, "proj", "run1")] == [e[0] for e in events]
    assert len(store.events_after(0)) == 4
    assert store.events_after(0, "proj", "nope") == []
    assert store.events_after(0, "nope") == []
    assert store.run_by_pk(events[0][1]).run_id == "run1"
    assert store.run_by_pk(10**9) is None
