"""Editing a stored run's fields, and deleting a run with everything it logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from heron import records as r
from heron.store import SqlStore

from ._support import batch, query, row

RUN_TABLES = ("history_chunks", "history_objects", "console_lines", "run_files", "alerts")


def _full_run(store: SqlStore, run_id: str) -> int:
    store.write(
        batch(
            run_id,
            1,
            r.RunStart(name=run_id, config={"lr": 0.1}),
            row(0, loss=1.0, label="a"),
            row(1, loss=0.5, label="b"),
            r.SystemSample(0, {"system/cpu": 10.0}),
            r.ConsoleLine("stdout", 1.0, "hello"),
            r.FileSaved("model.pt", "media/aa/aa-model.pt", 3, "a" * 64),
            r.Alert("t", "x", "INFO", 1.0),
            r.SummarySet({"loss": 0.5}),
        )
    )
    return store.get_run("proj", run_id).pk


def _rows_of(db_file: Path, run_pk: int) -> dict[str, int]:
    return {
        table: query(db_file, f"SELECT COUNT(*) FROM {table} WHERE run_pk = ?", run_pk)[0][0]
        for table in RUN_TABLES
    }


def test_delete_run_removes_the_run_and_everything_it_logged(
    store: SqlStore, db_file: Path
) -> None:
    doomed = _full_run(store, "doomed")
    kept = _full_run(store, "kept")
    assert all(n > 0 for n in _rows_of(db_file, doomed).values())

    store.delete_run(doomed)

    assert store.get_run("proj", "doomed") is None
    assert [i.run_id for i in store.list_runs("proj")] == ["kept"]
    assert _rows_of(db_file, doomed) == dict.fromkeys(RUN_TABLES, 0)
    assert _rows_of(db_file, kept) == {
        "history_chunks": 2,
        "history_objects": 2,
        "console_lines": 1,
        "run_files": 1,
        "alerts": 1,
    }
    assert store.read_series(kept, "loss").values.tolist() == [1.0, 0.5]


def test_update_run_edits_the_fields_a_user_may_change(store: SqlStore) -> None:
    pk = _full_run(store, "run1")

    store.update_run(
        pk,
        name="renamed",
        tags=("best", "v2"),
        notes="looks good",
        group="g",
        job_type="eval",
        config={"lr": 0.2, "nested": {"a": 1}},
        summary={"loss": 0.1, "acc": float("inf")},
    )

    info = store.get_run("proj", "run1")
    assert (info.name, info.tags, info.notes, info.group, info.job_type) == (
        "renamed",
        ["best", "v2"],
        "looks good",
        "g",
        "eval",
    )
    assert info.config == {"lr": 0.2, "nested": {"a": 1}}
    assert info.summary == {"loss": 0.1, "acc": float("inf")}
    assert info.run_id == "run1" and info.state == "running"


def test_update_run_with_no_fields_changes_nothing(store: SqlStore) -> None:
    pk = _full_run(store, "run1")

    store.update_run(pk)

    assert store.get_run("proj", "run1").name == "run1"


@pytest.mark.parametrize("field", ["state", "run_id", "created_at", "pid"])
def test_update_run_rejects_fields_that_are_not_editable(store: SqlStore, field: str) -> None:
    pk = _full_run(store, "run1")

    with pytest.raises(ValueError, match=rf"run field '{field}' cannot be edited; editable: "):
        store.update_run(pk, name="ignored", **{field: "x"})

    info = store.get_run("proj", "run1")
    assert info.name == "run1"  # nothing of a refused edit is applied
    assert info.state == "running"
