"""Writing batches of every record kind into a real SQLite store and reading them back exactly."""

from __future__ import annotations

import math
from typing import Any

import pytest

from heron import records as r
from heron.store import SqlStore

from ._support import batch, row
from .conftest import Sql


def values_of(store: SqlStore, run_pk: int, key: str, stream: int = 0) -> tuple[list, list]:
    series = store.read_series(run_pk, key, stream)
    return series.steps.tolist(), series.values.tolist()


def test_nan_and_infinities_survive_in_history_config_and_summary(store: SqlStore) -> None:
    nan, inf = float("nan"), float("inf")
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="nan", config={"eps": nan, "clip": -inf}),
            row(0, loss=nan, grad=inf, low=-inf, note=1.0),
            row(1, loss=0.5, grad=1.0, low=-1.0, note=nan),
            r.SummarySet({"loss": nan, "best": inf}),
        )
    )
    info = store.get_run("proj", "run1")

    _, loss = values_of(store, info.pk, "loss")
    _, grad = values_of(store, info.pk, "grad")
    _, low = values_of(store, info.pk, "low")
    _, note = values_of(store, info.pk, "note")
    assert math.isnan(loss[0]) and loss[1] == 0.5
    assert grad == [inf, 1.0]
    assert low == [-inf, -1.0]
    assert note[0] == 1.0 and math.isnan(note[1])
    assert math.isnan(info.config["eps"]) and info.config["clip"] == -inf
    assert math.isnan(info.summary["loss"]) and info.summary["best"] == inf


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param("with another number", id="beside-a-number"),
        pytest.param(
            "alone",
            id="alone",
        ),
        pytest.param(
            "beside a list",
            id="beside-a-list",
        ),
    ],
)
def test_ints_beyond_int64_up_to_uint64_read_back_exactly(store: SqlStore, shape: str) -> None:
    extra: dict[str, Any] = {
        "with another number": {"other": 1},
        "alone": {},
        "beside a list": {"other": [1, 2]},
    }[shape]
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="big"),
            r.HistoryRow(0, {"big": 2**63, **extra}),
            r.HistoryRow(1, {"big": 2**64 - 1, **extra}),
            r.HistoryRow(2, {"big": 7, **extra}),
        )
    )
    pk = store.get_run("proj", "run1").pk

    steps, got = values_of(store, pk, "big")

    assert steps == [0, 1, 2]
    assert got == [2**63, 2**64 - 1, 7]
    assert all(type(v) is int for v in got)


def test_ints_wider_than_64_bits_read_back_as_the_nearest_float(store: SqlStore) -> None:
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="huge"),
            row(0, huge=2**70),
            row(1, huge=-(2**70)),
            row(2, huge=5),
        )
    )
    pk = store.get_run("proj", "run1").pk

    _, got = values_of(store, pk, "huge")

    assert got == [float(2**70), -float(2**70), 5]
    assert type(got[2]) is int


def test_a_summary_holding_an_int_wider_than_64_bits_is_stored(store: SqlStore) -> None:
    wrote = store.write(
        batch("run1", 1, r.RunStart(name="huge"), r.SummarySet({"huge": 2**70, "loss": 0.5}))
    )

    info = store.get_run("proj", "run1")
    assert wrote is True and info is not None
    assert info.summary["loss"] == 0.5
    assert info.summary["huge"] == 2**70  # exact, or the nearest float as history keeps it


def test_steps_with_gaps_and_out_of_order_batches_read_back_in_step_order(store: SqlStore) -> None:
    store.write(batch("run1", 1, r.RunStart(name="gaps"), row(10, acc=0.1), row(20, acc=0.2)))
    store.write(batch("run1", 2, row(5, acc=0.05), row(1000, acc=1.0)))
    store.write(batch("run1", 3, row(15, acc=0.15), row(3, acc=0.03)))
    info = store.get_run("proj", "run1")

    steps, got = values_of(store, info.pk, "acc")

    assert steps == [3, 5, 10, 15, 20, 1000]
    assert got == [0.03, 0.05, 0.1, 0.15, 0.2, 1.0]
    assert info.last_step == 1000
    assert info.history_rows == 6


def test_metrics_logged_at_different_steps_keep_their_own_steps(store: SqlStore) -> None:
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="sparse"),
            row(0, loss=1.0),
            row(1, loss=0.9, val=0.5),
            row(2, loss=0.8),
            row(3, loss=0.7, val=0.4),
        )
    )
    pk = store.get_run("proj", "run1").pk

    assert values_of(store, pk, "loss") == ([0, 1, 2, 3], [1.0, 0.9, 0.8, 0.7])
    assert values_of(store, pk, "val") == ([1, 3], [0.5, 0.4])
    assert values_of(store, pk, "never_logged") == ([], [])


def test_config_and_summary_are_replaced_whole_by_later_records(store: SqlStore) -> None:
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="c", config={"lr": 0.1, "bs": 32}),
            r.SummarySet({"loss": 1.0, "acc": 0.1}),
        )
    )
    store.write(batch("run1", 2, r.ConfigSet({"lr": 0.2}), r.SummarySet({"loss": 0.5})))

    info = store.get_run("proj", "run1")
    assert info.config == {"lr": 0.2}
    assert info.summary == {"loss": 0.5}


def test_a_resumed_run_keeps_its_creation_time_and_runs_again(store: SqlStore) -> None:
    store.write(
        batch(
            "run1",
            1,
            r.RunStart(name="r", started_at=100.0),
            row(0, x=1.0),
            r.RunEnd(state="finished", exit_code=0, ended_at=200.0),
        )
    )
    store.write(
        batch("run1", 2, r.RunStart(name="r", started_at=300.0, resumed=True), row(1, x=2.0))
    )

    info = store.get_run("proj", "run1")
    assert info.state == "running"
    assert info.created_at == 100.0
    assert info.ended_at is None and info.exit_code is None
    assert values_of(store, info.pk, "x") == ([0, 1], [1.0, 2.0])



def test_alerts_are_kept(store: SqlStore, sql: Sql) -> None:
    store.write(batch("run1", 1, r.RunStart(name="io"),
                      r.Alert("loss spiked", "loss=9.0", "WARN", 3.0)))

    assert sql("SELECT title, text, level, timestamp FROM alerts") == [
        ("loss spiked", "loss=9.0", "WARN", 3.0)]
