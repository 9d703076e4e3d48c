"""Reading a run's history back: ``history()`` (sampled) and ``scan_history()`` (every row)."""

from __future__ import annotations

import math
import time

import pandas as pd
import pytest

import heron
from heron.errors import ValueRejected

from .conftest import LogRun

STEPS = 30


def training_rows() -> list[dict]:
    """loss every step, acc every third step, epoch every step (an int)."""
    rows = []
    for i in range(STEPS):
        row = {"loss": 1.0 / (i + 1), "epoch": i // 10}
        if i % 3 == 0:
            row["acc"] = i / 100
        rows.append(row)
    return rows


@pytest.fixture
def trained(log_run: LogRun) -> heron.api.Run:
    run_id = log_run(rows=training_rows())
    return heron.Api().run(f"proj/{run_id}")


def test_history_of_one_key_is_a_dataframe_of_step_and_that_key(trained: heron.api.Run) -> None:
    frame = trained.history(keys=["loss"])

    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["_step", "loss"]
    assert frame["_step"].tolist() == list(range(STEPS))
    assert frame["loss"].tolist() == [1.0 / (i + 1) for i in range(STEPS)]


def test_history_samples_evenly_and_keeps_the_first_and_last_rows(trained: heron.api.Run) -> None:
    frame = trained.history(keys=["loss"], samples=5)

    steps = frame["_step"].tolist()
    assert len(steps) == 5
    assert steps[0] == 0 and steps[-1] == STEPS - 1
    assert steps == sorted(set(steps))
    assert frame["loss"].tolist() == [1.0 / (s + 1) for s in steps]
    assert len(trained.history(keys=["loss"], samples=STEPS)) == STEPS
    assert len(trained.history(keys=["loss"], samples=1000)) == STEPS


def test_history_of_several_keys_keeps_only_rows_holding_all_of_them(
    trained: heron.api.Run,
) -> None:
    frame = trained.history(keys=["loss", "acc"])

    assert list(frame.columns) == ["_step", "loss", "acc"]
    assert frame["_step"].tolist() == list(range(0, STEPS, 3))
    assert frame["acc"].tolist() == [s / 100 for s in range(0, STEPS, 3)]
    assert frame["loss"].tolist() == [1.0 / (s + 1) for s in range(0, STEPS, 3)]
    assert trained.history(keys=["loss", "never_logged"]).empty


def test_history_without_pandas_is_a_list_of_dicts(trained: heron.api.Run) -> None:
    rows = trained.history(keys=["acc"], pandas=False)

    assert rows == [{"_step": s, "acc": s / 100} for s in range(0, STEPS, 3)]
    assert all(type(row["_step"]) is int for row in rows)


def test_history_against_another_metric_uses_it_as_the_x_axis(trained: heron.api.Run) -> None:
    rows = trained.history(keys=["acc"], x_axis="epoch", pandas=False)

    assert rows == [{"epoch": s // 10, "acc": s / 100} for s in range(0, STEPS, 3)]


def test_full_history_rows_hold_every_key_with_gaps_where_nothing_was_logged(
    trained: heron.api.Run,
) -> None:
    frame = trained.history()

    assert set(frame.columns) == {"_step", "_runtime", "_timestamp", "loss", "acc", "epoch"}
    assert len(frame) == STEPS
    assert frame["_step"].tolist() == list(range(STEPS))
    assert frame["epoch"].tolist() == [i // 10 for i in range(STEPS)]
    assert frame["acc"].iloc[0] == 0.0 and math.isnan(frame["acc"].iloc[1])
    assert (frame["_runtime"] >= 0).all()
    assert len(trained.history(samples=4)) == 4


def test_scan_history_yields_every_row_with_the_keys_logged_at_that_step(
    trained: heron.api.Run,
) -> None:
    rows = list(trained.scan_history())

    assert [row["_step"] for row in rows] == list(range(STEPS))
    assert rows[0].keys() == {"_step", "_runtime", "_timestamp", "loss", "acc", "epoch"}
    assert rows[1].keys() == {"_step", "_runtime", "_timestamp", "loss", "epoch"}
    assert [row["loss"] for row in rows] == [1.0 / (i + 1) for i in range(STEPS)]
    assert all(type(row["epoch"]) is int for row in rows)


def test_scan_history_of_keys_yields_just_those_keys_where_all_are_present(
    trained: heron.api.Run,
) -> None:
    rows = list(trained.scan_history(keys=["acc", "epoch"]))

    assert rows == [{"acc": s / 100, "epoch": s // 10} for s in range(0, STEPS, 3)]
    assert list(trained.scan_history(keys=["acc"], page_size=2)) == [
        {"acc": s / 100} for s in range(0, STEPS, 3)
    ]


def test_scan_history_between_steps_includes_min_and_excludes_max(trained: heron.api.Run) -> None:
    full = list(trained.scan_history(min_step=10, max_step=13))
    acc = list(trained.scan_history(keys=["_step", "acc"], min_step=1, max_step=10))

    assert [row["_step"] for row in full] == [10, 11, 12]
    assert acc == [{"_step": 3, "acc": 0.03}, {"_step": 6, "acc": 0.06}, {"_step": 9, "acc": 0.09}]


def test_explicit_steps_with_gaps_read_back_at_those_steps() -> None:
    active = heron.init(
        project="proj", settings=heron.Settings(system_sample_seconds=0, console="off")
    )
    for step in (0, 5, 100, 1000):
        heron.log({"val": step * 2, "ok": step % 2 == 0}, step=step)
    heron.finish()

    run = heron.Api().run(f"proj/{active.id}")
    assert run.history(keys=["val", "ok"], pandas=False) == [
        {"_step": s, "val": s * 2, "ok": s % 2 == 0} for s in (0, 5, 100, 1000)
    ]
    assert run.lastHistoryStep == 1000


def test_special_values_come_back_as_logged(log_run: LogRun) -> None:
    run_id = log_run(
        rows=[
            {"x": float("nan"), "y": float("inf"), "label": "a", "flag": True, "vec": [1, 2]},
            {"x": 1.0, "y": float("-inf"), "label": None, "flag": False, "vec": []},
        ]
    )
    rows = list(
        heron.Api().run(f"proj/{run_id}").scan_history(keys=["x", "y", "label", "flag", "vec"])
    )

    assert math.isnan(rows[0]["x"]) and rows[1]["x"] == 1.0
    assert [r["y"] for r in rows] == [float("inf"), float("-inf")]
    assert [r["label"] for r in rows] == ["a", None]
    assert [r["flag"] for r in rows] == [True, False]
    assert [type(r["flag"]) for r in rows] == [bool, bool]
    assert [r["vec"] for r in rows] == [[1, 2], []]


def test_the_system_stream_holds_the_sampled_system_metrics() -> None:
    active = heron.init(
        project="proj", settings=heron.Settings(system_sample_seconds=0.05, console="off")
    )
    heron.log({"loss": 1.0})
    time.sleep(0.5)  # about ten sampling intervals
    heron.finish()
    run = heron.Api().run(f"proj/{active.id}")

    system = run.history(stream="system", pandas=False)

    assert len(system) >= 1
    assert all(0 <= row["system/cpu"] <= 100 * 1024 for row in system)
    assert all("loss" not in row and "_step" not in row for row in system)
    assert "system/cpu" not in run.history().columns
    with pytest.raises(ValueRejected, match=r"stream='gpu' is not one of"):
        run.history(stream="gpu")
