"""Hyperband stops running runs that fall behind at each band."""

from __future__ import annotations

from typing import Any

import pytest

from heron.sweeps import Hyperband, SweepRun, hyperband_bands, stop_runs
from heron.sweeps.config import Metric
from heron.sweeps.hyperband import thresholds


def sweep(goal: str = "minimize", **early_terminate: Any) -> dict[str, Any]:
    return {
        "method": "random",
        "metric": {"name": "loss", "goal": goal},
        "parameters": {"x": {"min": 0.0, "max": 1.0}},
        "early_terminate": {"type": "hyperband", **early_terminate},
    }


def run(run_id: str, state: str, *losses: Any) -> SweepRun:
    return SweepRun(
        run_id, {"x": 0.5}, state, [{"loss": v, "step": i} for i, v in enumerate(losses)]
    )


@pytest.mark.parametrize(
    ("hyperband", "bands"),
    [
        (Hyperband(eta=3, max_iter=27, s=2), [3, 9]),
        (Hyperband(eta=3, max_iter=27, s=3), [1, 3, 9]),
        (Hyperband(eta=3, max_iter=27, s=5), [1, 3, 9]),  # stops once b < 1
        (Hyperband(eta=2, max_iter=10, s=3), [1, 2, 5]),  # int() of 5, 2.5, 1.25
        (Hyperband(eta=3, max_iter=81, s=1), [27]),
        (Hyperband(eta=2, min_iter=1), [1, 2, 4, 8, 16]),
        (Hyperband(eta=1.5, min_iter=2), [2, 3, 4, 6, 10, 15]),  # int(2 * 1.5**k)
    ],
)
def test_bands(hyperband: Hyperband, bands: list[int]) -> None:
    assert hyperband_bands(hyperband, longest=12) == bands


def test_thresholds_take_the_element_at_n_over_eta_of_each_band() -> None:
    runs = [
        run(str(i), "finished", *([v] * 3))
        for i, v in enumerate([4.0, 1.0, 3.0, 2.0, 5.0, 6.0, 0.5])
    ]
    table = thresholds(Hyperband(eta=3, min_iter=1), Metric("loss"), runs)
    # 7 values sorted [0.5, 1, 2, 3, 4, 5, 6]; index floor(7 / 3) = 2
    assert table[0] == (1, 2.0) and table[1] == (3, 2.0)
    assert table[2] == (9, None)  # no run is that long yet


def test_only_running_runs_are_stopped() -> None:
    runs = [
        run("best", "finished", 1, 1, 1),
        run("mid", "finished", 2, 2, 2),
        run("bad-finished", "finished", 9, 9, 9),
        run("bad-failed", "failed", 9, 9, 9),
        run("bad-running", "running", 9, 9, 9),
        run("good-running", "running", 1.5, 1.5, 1.5),
    ]
    assert stop_runs(sweep(min_iter=1, eta=3), runs) == ["bad-running"]


def test_a_run_is_judged_at_the_largest_band_it_has_reached() -> None:
    finished = [run(str(i), "finished", 5, 5, v, v, v) for i, v in enumerate([1, 2, 3])]
    # band 1 threshold 5 (all tie): nobody above it; band 3 threshold 2
    early = run("early", "running", 5, 5)  # only band 1: 5 is not above 5
    late = run("late", "running", 5, 5, 2.5)  # band 3: 2.5 > 2
    assert stop_runs(sweep(min_iter=1, eta=3), [*finished, early, late]) == ["late"]


def test_a_run_without_a_band_yet_is_kept() -> None:
    runs = [run("a", "finished", 1, 1, 1, 1), run("b", "running", 100, 100)]
    assert stop_runs(sweep(min_iter=3, eta=3), runs) == []


def test_iterations_are_rows_with_a_finite_metric_value() -> None:
    finished = [run("a", "finished", 1, 1, 1), run("b", "finished", 2, 2, 2)]
    # NaN, None, strings and rows without the metric are not iterations: this run has 2
    runner = SweepRun(
        "c",
        {},
        "running",
        [
            {"loss": 9},
            {"loss": float("nan")},
            {"other": 1},
            {"loss": None},
            {"loss": "x"},
            {"loss": 9},
        ],
    )
    assert stop_runs(sweep(min_iter=3, eta=3), [*finished, runner]) == []
    runner.history.append({"loss": 9})  # the third iteration reaches band 3
    assert stop_runs(sweep(min_iter=3, eta=3), [*finished, runner]) == ["c"]


def test_maximising_negates_the_values() -> None:
    runs = [
        run("a", "finished", 0.9, 0.9, 0.9),
        run("b", "finished", 0.8, 0.8, 0.8),
        run("low", "running", 0.1, 0.1, 0.1),
        run("high", "running", 0.95, 0.95, 0.95),
    ]
    assert stop_runs(sweep("maximize", min_iter=1, eta=2), runs) == ["low"]


def test_strict_judges_the_band_value_and_lenient_the_best_so_far() -> None:
    finished = [run(str(i), "finished", v, v, v) for i, v in enumerate([3.0, 4.0, 5.0])]
    recovered = run("r", "running", 2.0, 8.0, 8.0)  # band 3 value 8 > 4, best 2 < 4
    assert stop_runs(sweep(min_iter=3, eta=3), [*finished, recovered]) == ["r"]
    assert stop_runs(sweep(min_iter=3, eta=3, strict=False), [*finished, recovered]) == []


def test_max_iter_bands_stop_runs_at_those_iterations() -> None:
    finished = [run(str(i), "finished", *([v] * 9)) for i, v in enumerate([1.0, 2.0, 3.0])]
    slow = run("slow", "running", *([2.5] * 3))  # band 3 threshold 2 (index 1 of [1, 2, 3, 2.5])
    assert stop_runs(sweep(max_iter=27, s=2, eta=3), [*finished, slow]) == ["slow"]


def test_no_early_terminate_stops_nothing() -> None:
    config = sweep(min_iter=1)
    del config["early_terminate"]
    assert stop_runs(config, [run("a", "running", 100)]) == []
