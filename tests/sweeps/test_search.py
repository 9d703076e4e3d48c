"""When a sweep ends: run_cap counts the runs started, metric.target ends it once reached."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from heron.sweeps import SweepRun, next_run, runs_counted, sweep_done, target_reached, validate


def config(**extra: Any) -> dict[str, Any]:
    return {"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}, **extra}


def loss_run(run_id: str, state: str, *losses: float) -> SweepRun:
    return SweepRun(run_id, {"x": 0.5}, state, [{"loss": v} for v in losses])


def test_run_cap_stops_random_search_after_that_many_runs() -> None:
    cfg = config(run_cap=3)
    runs: list[SweepRun] = []
    while (point := next_run(cfg, runs, rng=0)) is not None:
        runs.append(SweepRun(str(len(runs)), point, "finished"))
    assert len(runs) == 3


@pytest.mark.parametrize(
    ("run", "counted"),
    [
        (loss_run("a", "finished"), True),
        (loss_run("b", "failed"), True),
        (loss_run("c", "running"), True),
        (loss_run("d", "pending"), True),
        (loss_run("e", "killed"), False),
        (loss_run("f", "crashed"), False),
        (loss_run("g", "killed", 0.3), True),
        (loss_run("h", "crashed", float("nan")), False),
    ],
)
def test_killed_or_crashed_runs_without_metrics_do_not_count(run: SweepRun, counted: bool) -> None:
    cfg = validate(config(run_cap=5, metric={"name": "loss"}))
    assert runs_counted(cfg, [run]) == int(counted)


def test_without_a_metric_any_logged_value_makes_a_killed_run_count() -> None:
    cfg = validate(config(run_cap=5))
    assert runs_counted(cfg, [SweepRun("a", {}, "killed", [{"acc": 1}])]) == 1
    assert runs_counted(cfg, [SweepRun("b", {}, "killed", [], {"_runtime": 3})]) == 0


def test_uncounted_runs_leave_room_under_the_cap() -> None:
    cfg = config(run_cap=2, metric={"name": "loss"})
    runs = [loss_run("a", "finished", 1.0), loss_run("b", "crashed")]
    assert next_run(cfg, runs, rng=0) is not None
    assert next_run(cfg, [*runs, loss_run("c", "killed", 2.0)], rng=0) is None


@pytest.mark.parametrize(
    ("goal", "losses", "state", "done"),
    [
        ("minimize", (0.5, 0.09), "finished", True),
        ("minimize", (0.5, 0.1), "finished", True),  # reaching it is enough
        ("minimize", (0.5, 0.11), "finished", False),
        ("minimize", (0.05,), "running", False),  # only finished runs end the sweep
        ("minimize", (0.05,), "failed", False),
        ("maximize", (0.05, 0.2), "finished", True),
        ("maximize", (0.05,), "finished", False),
    ],
)
def test_metric_target_ends_the_sweep_once_a_finished_run_reaches_it(
    goal: str, losses: tuple[float, ...], state: str, done: bool
) -> None:
    cfg = config(metric={"name": "loss", "goal": goal, "target": 0.1})
    runs = [loss_run("a", state, *losses)]
    assert target_reached(validate(cfg), runs) is done
    assert sweep_done(cfg, runs) is done
    assert (next_run(cfg, runs, rng=0) is None) is done


def test_bayes_also_stops_at_run_cap_and_target() -> None:
    cfg = config(method="bayes", metric={"name": "loss", "target": 0.0}, run_cap=2)
    assert next_run(cfg, [loss_run("a", "finished", 1.0)], rng=0) is not None
    assert next_run(cfg, [loss_run("a", "finished", 1.0), loss_run("b", "running")], rng=0) is None
    assert next_run(cfg, [loss_run("a", "finished", -1.0)], rng=0) is None


def test_rng_may_be_a_random_a_numpy_generator_or_a_seed() -> None:
    cfg = config()
    assert next_run(cfg, [], rng=3) == next_run(cfg, [], rng=random.Random(3))
    assert next_run(cfg, [], rng=np.random.default_rng(5)) == next_run(
        cfg, [], rng=np.random.default_rng(5)
    )
    with pytest.raises(TypeError):
        next_run(cfg, [], rng="seed")  # type: ignore[arg-type]


def test_a_run_in_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="state 'done' is not one of"):
        SweepRun("a", {}, "done")


def test_an_invalid_config_is_refused_by_next_run() -> None:
    from heron.errors import SweepConfigError

    with pytest.raises(SweepConfigError):
        next_run({"method": "grid", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, [])
