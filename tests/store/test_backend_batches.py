"""Batches on both backends: retries are no-ops, small flushes merge into few chunks, step
windows read exactly the points inside them, and chart buckets keep every spike."""

from __future__ import annotations

import math

import numpy as np
import pytest

from heron import records as r
from heron.store import SqlStore

from ._support import batch, row
from .conftest import Sql


def test_the_same_batch_written_twice_is_stored_once(store: SqlStore, sql: Sql) -> None:
    def make() -> r.Batch:
        return batch("run1", 1, r.RunStart(name="retry"), row(0, loss=1.0), row(1, loss=0.5),
                     r.ConsoleLine("stdout", 1.0, "hi"), r.Alert("a", "b", "INFO", 1.0),
                     r.FileSaved("f.txt", "media/aa/f", 1, "0" * 64))

    assert store.write(make()) is True
    assert store.write(make()) is False

    info = store.get_run("proj", "run1")
    series = store.read_series(info.pk, "loss")
    assert (series.steps.tolist(), series.values.tolist()) == ([0, 1], [1.0, 0.5])
    assert (info.history_rows, info.last_seq) == (2, 1)
    assert [ln.text for ln in store.console(info.pk)] == ["hi"]
    assert sql("SELECT COUNT(*) FROM alerts") == [(1,)]
    assert sql("SELECT COUNT(*) FROM run_files") == [(1,)]


def test_an_older_batch_arriving_late_is_ignored_but_a_newer_one_lands(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="seq"), row(0, x=1.0)))
    store.write(batch("run1", 2, row(1, x=2.0)))
    assert store.write(batch("run1", 1, row(0, x=1.0))) is False
    assert store.write(batch("run1", 3, row(2, x=3.0))) is True
    assert store.write(batch("run1", 0, row(3, x=4.0))) is True  # seq 0: no idempotency asked

    info = store.get_run("proj", "run1")
    assert store.read_series(info.pk, "x").values.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert info.last_seq == 3


def test_sequence_numbers_belong_to_one_run(store: SqlStore) -> None:
    store.write(batch("run1", 5, r.RunStart(name="one"), row(0, x=1.0)))

    assert store.write(batch("run2", 1, r.RunStart(name="two"), row(0, x=2.0))) is True
    assert store.write(batch("run1", 1, r.RunStart(name="one"), row(0, x=2.0),
                             project="other")) is True

    assert store.read_series(store.get_run("proj", "run2").pk, "x").values.tolist() == [2.0]
    assert [p.name for p in store.list_projects()] == ["other", "proj"]


def test_many_one_row_batches_merge_into_few_chunks(store: SqlStore, sql: Sql) -> None:
    store.write(batch("run1", 1, r.RunStart(name="slow-logger")))
    for step in range(300):
        store.write(batch("run1", step + 2,
                          row(step, loss=1.0 / (step + 1), epoch=step // 50, tag=f"s{step}")))
    info = store.get_run("proj", "run1")

    per_key = dict(sql("SELECT key, COUNT(*) FROM history_chunks GROUP BY key"))
    assert per_key == {"loss": 1, "epoch": 1}  # str values are objects, not chunks
    assert sql("SELECT SUM(count) FROM history_chunks WHERE key = 'loss'") == [(300,)]
    loss = store.read_series(info.pk, "loss")
    epoch = store.read_series(info.pk, "epoch")
    assert loss.steps.tolist() == list(range(300))
    assert loss.values.tolist() == [1.0 / (s + 1) for s in range(300)]
    assert epoch.values.tolist() == [s // 50 for s in range(300)]
    assert all(type(v) is int for v in epoch.values.tolist())
    assert store.read_series(info.pk, "tag").values.tolist() == [f"s{s}" for s in range(300)]
    assert (info.history_rows, info.last_step) == (300, 299)


def test_a_full_chunk_is_closed_and_a_change_of_kind_starts_a_new_one(
    store: SqlStore, sql: Sql
) -> None:
    store.write(batch("run1", 1, r.RunStart(name="big"),
                      *(row(s, v=float(s)) for s in range(3000))))
    store.write(batch("run1", 2, *(row(s, v=float(s)) for s in range(3000, 3010))))
    store.write(batch("run1", 3, row(3010, v=7)))  # an int after floats: its own chunk

    chunks = sql("SELECT step_min, step_max, count, dtype FROM history_chunks ORDER BY id")
    assert chunks == [(0, 2999, 3000, "f8"), (3000, 3009, 10, "f8"), (3010, 3010, 1, "i8")]
    values = store.read_series(store.get_run("proj", "run1").pk, "v").values.tolist()
    assert values[-2:] == [3009.0, 7] and type(values[-1]) is int


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
    store: SqlStore, long_run: int, min_step: int | None, max_step: int | None,
    expected: list[int],
) -> None:
    series = store.read_series(long_run, "v", min_step=min_step, max_step=max_step)

    assert series.steps.tolist() == expected
    assert series.values.tolist() == [s * 10 for s in expected]


def test_a_step_window_covers_object_values_in_step_order(store: SqlStore) -> None:
    # Written out of order across batches: reads come back by step, ties in written order.
    store.write(batch("run1", 1, r.RunStart(name="objs"),
                      *(row(s, label=f"l{s}") for s in (5, 6, 7, 8, 9))))
    store.write(batch("run1", 2, *(row(s, label=f"l{s}") for s in (0, 1, 2, 3, 4))))
    store.write(batch("run1", 3, row(4, label="l4-again")))
    pk = store.get_run("proj", "run1").pk

    assert store.read_series(pk, "label").values.tolist() == [
        "l0", "l1", "l2", "l3", "l4", "l4-again", "l5", "l6", "l7", "l8", "l9"]
    window = store.read_series(pk, "label", min_step=3, max_step=6)
    assert window.steps.tolist() == [3, 4, 4, 5]
    assert window.values.tolist() == ["l3", "l4", "l4-again", "l5"]


def test_a_late_lower_step_appended_to_an_open_chunk_is_found_by_a_window(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="late"), row(10, v=1.0)))
    store.write(batch("run1", 2, row(11, v=2.0), row(2, v=3.0)))  # step_policy="keep" can do this
    pk = store.get_run("proj", "run1").pk

    assert store.read_series(pk, "v").steps.tolist() == [2, 10, 11]
    window = store.read_series(pk, "v", min_step=0, max_step=5)
    assert (window.steps.tolist(), window.values.tolist()) == ([2], [3.0])


def test_a_long_metric_is_bucketed_for_a_chart_without_losing_its_spikes(store: SqlStore) -> None:
    n = 20_000
    values = np.sin(np.arange(n) / 500.0)
    values[12_345] = 50.0
    values[777] = -40.0
    values[15_000] = math.nan
    rows = [row(s, y=float(v)) for s, v in enumerate(values)]
    store.write(batch("run1", 1, r.RunStart(name="chart"), *rows[:10_000]))
    store.write(batch("run1", 2, *rows[10_000:]))
    pk = store.get_run("proj", "run1").pk

    buckets, cursor = store.series(pk, "y", points=100)

    assert 50 < len(buckets.x) <= 100 and buckets.total == n and cursor == n
    assert int(buckets.count.sum()) == n
    assert float(np.nanmax(buckets.max)) == 50.0
    assert float(np.nanmin(buckets.min)) == -40.0
    assert buckets.x[-1] == n - 1 and buckets.last[-1] == values[-1]

    zoom, _ = store.series(pk, "y", points=1000, x_min=12_000, x_max=12_999)
    assert zoom.total == 1000 and zoom.x.tolist() == list(range(12_000, 13_000))
    assert zoom.max.tolist()[345] == 50.0

    tail, next_cursor = store.series(pk, "y", after=n - 3)
    assert tail.x.tolist() == [n - 3, n - 2, n - 1] and next_cursor == n
    empty, same = store.series(pk, "y", after=n)
    assert empty.total == 0 and same == n


def test_a_metric_can_be_charted_against_another_logged_metric(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="xy"),
                      *(row(s, epoch=s // 10, loss=1.0 / (s + 1)) for s in range(100)),
                      row(100, loss=0.001)))  # no epoch at step 100: the point is dropped
    pk = store.get_run("proj", "run1").pk

    buckets, _ = store.series(pk, "loss", x="epoch", points=10)

    assert buckets.total == 100
    assert buckets.x.tolist() == [float(e) for e in range(10)]
    assert buckets.last.tolist() == [1.0 / (10 * e + 10) for e in range(10)]
    assert buckets.max.tolist() == [1.0 / (10 * e + 1) for e in range(10)]


def test_one_metric_of_many_runs_is_bucketed_in_one_read(store: SqlStore) -> None:
    store.write(batch("a", 1, r.RunStart(name="a"), *(row(s, v=float(s)) for s in range(10))))
    store.write(batch("b", 1, r.RunStart(name="b"), row(0, v=5.0)))

    results, missing = store.project_series("proj", ["b", "nope", "a"], "v", points=100)

    assert [run_id for run_id, _, _ in results] == ["b", "a"]
    assert missing == ["nope"]
    by_id = {run_id: buckets for run_id, buckets, _ in results}
    assert by_id["a"].last.tolist() == [float(s) for s in range(10)]
    assert by_id["b"].total == 1
