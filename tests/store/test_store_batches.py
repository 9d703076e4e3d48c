"""Batches as the storage primitive: retries are no-ops, small flushes merge into few chunks,
and step windows read exactly the points inside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from heron import records as r
from heron.store import SqlStore

from ._support import batch, query, row


def test_the_same_batch_written_twice_is_stored_once(store: SqlStore, db_file: Path) -> None:
    first = batch(
        "run1",
        1,
        r.RunStart(name="retry"),
        row(0, loss=1.0),
        row(1, loss=0.5),
        r.ConsoleLine("stdout", 1.0, "hi"),
        r.Alert("a", "b", "INFO", 1.0),
    )
    again = batch(
        "run1",
        1,
        r.RunStart(name="retry"),
        row(0, loss=1.0),
        row(1, loss=0.5),
        r.ConsoleLine("stdout", 1.0, "hi"),
        r.Alert("a", "b", "INFO", 1.0),
    )

    assert store.write(first) is True
    assert store.write(again) is False

    info = store.get_run("proj", "run1")
    series = store.read_series(info.pk, "loss")
    assert series.steps.tolist() == [0, 1]
    assert series.values.tolist() == [1.0, 0.5]
    assert info.history_rows == 2
    assert [ln.text for ln in store.console(info.pk)] == ["hi"]
    assert query(db_file, "SELECT COUNT(*) FROM alerts") == [(1,)]


def test_an_older_batch_arriving_late_is_ignored_but_a_newer_one_lands(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="seq"), row(0, x=1.0)))
    store.write(batch("run1", 2, row(1, x=2.0)))
    assert store.write(batch("run1", 1, row(0, x=1.0))) is False
    assert store.write(batch("run1", 3, row(2, x=3.0))) is True

    pk = store.get_run("proj", "run1").pk
    assert store.read_series(pk, "x").values.tolist() == [1.0, 2.0, 3.0]


def test_sequence_numbers_belong_to_one_run(store: SqlStore) -> None:
    store.write(batch("run1", 5, r.RunStart(name="one"), row(0, x=1.0)))

    assert store.write(batch("run2", 1, r.RunStart(name="two"), row(0, x=2.0))) is True

    assert store.read_series(store.get_run("proj", "run2").pk, "x").values.tolist() == [2.0]


def test_many_one_row_batches_merge_into_few_chunks(store: SqlStore, db_file: Path) -> None:
    store.write(batch("run1", 1, r.RunStart(name="slow-logger")))
    for step in range(500):
        store.write(
            batch(
                "run1", step + 2, row(step, loss=1.0 / (step + 1), epoch=step // 50, tag=f"s{step}")
            )
        )
    info = store.get_run("proj", "run1")

    per_key = dict(query(db_file, "SELECT key, COUNT(*) FROM history_chunks GROUP BY key"))
    assert per_key == {"loss": 1, "epoch": 1}  # str values are objects, not chunks
    assert query(db_file, "SELECT SUM(count) FROM history_chunks WHERE key='loss'") == [(500,)]
    loss = store.read_series(info.pk, "loss")
    epoch = store.read_series(info.pk, "epoch")
    tag = store.read_series(info.pk, "tag")
    assert loss.steps.tolist() == list(range(500))
    assert loss.values.tolist() == [1.0 / (s + 1) for s in range(500)]
    assert epoch.values.tolist() == [s // 50 for s in range(500)]
    assert all(type(v) is int for v in epoch.values.tolist())
    assert tag.values.tolist() == [f"s{s}" for s in range(500)]
    assert info.history_rows == 500 and info.last_step == 499


def test_a_full_chunk_is_closed_and_the_next_points_start_a_new_one(
    store: SqlStore, db_file: Path
) -> None:
    store.write(
        batch("run1", 1, r.RunStart(name="big"), *(row(s, v=float(s)) for s in range(3000)))
    )
    store.write(batch("run1", 2, *(row(s, v=float(s)) for s in range(3000, 3010))))

    counts = query(db_file, "SELECT step_min, step_max, count FROM history_chunks ORDER BY id")
    assert counts == [(0, 2999, 3000), (3000, 3009, 10)]
    series = store.read_series(store.get_run("proj", "run1").pk, "v")
    assert series.steps.tolist() == list(range(3010))


@pytest.fixture
def long_run(store: SqlStore) -> int:
    """A run whose metric ``v`` (= step * 10) spans three chunks: 0-2999, 3000-5999, 6000-6099."""
    store.write(batch("run1", 1, r.RunStart(name="long"), *(row(s, v=s * 10) for s in range(3000))))
    store.write(batch("run1", 2, *(row(s, v=s * 10) for s in range(3000, 6000))))
    store.write(batch("run1", 3, *(row(s, v=s * 10) for s in range(6000, 6100))))
    return store.get_run("proj", "run1").pk


@pytest.mark.parametrize(
    ("min_step", "max_step", "expected"),
    [
        (None, None, list(range(6100))),
        (2990, 3010, list(range(2990, 3010))),  # across a chunk boundary
        (5999, 6001, [5999, 6000]),
        (6050, None, list(range(6050, 6100))),
        (None, 3, [0, 1, 2]),  # max_step is exclusive
        (100, 100, []),
        (7000, 8000, []),
    ],
)
def test_a_step_window_reads_exactly_the_points_inside_it(
    store: SqlStore, long_run: int, min_step: int | None, max_step: int | None, expected: list[int]
) -> None:
    series = store.read_series(long_run, "v", min_step=min_step, max_step=max_step)

    assert series.steps.tolist() == expected
    assert series.values.tolist() == [s * 10 for s in expected]


def test_a_step_window_also_covers_object_values(store: SqlStore) -> None:
    store.write(
        batch("run1", 1, r.RunStart(name="objs"), *(row(s, label=f"l{s}") for s in range(10)))
    )
    pk = store.get_run("proj", "run1").pk

    series = store.read_series(pk, "label", min_step=3, max_step=6)

    assert series.steps.tolist() == [3, 4, 5]
    assert series.values.tolist() == ["l3", "l4", "l5"]


def test_a_late_lower_step_appended_to_an_open_chunk_is_found_by_a_window(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="late"), row(10, v=1.0)))
    store.write(batch("run1", 2, row(11, v=2.0), row(2, v=3.0)))  # step_policy="keep" can do this
    pk = store.get_run("proj", "run1").pk

    assert store.read_series(pk, "v").steps.tolist() == [2, 10, 11]
    window = store.read_series(pk, "v", min_step=0, max_step=5)
    assert window.steps.tolist() == [2]
    assert window.values.tolist() == [3.0]
