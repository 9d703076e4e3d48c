"""The ten worked examples of SWEEPS.md, each as a user would see it."""

from __future__ import annotations

from typing import Any

from heron.sweeps import (
    Hyperband,
    SweepRun,
    expand_command,
    format_args,
    hyperband_bands,
    next_run,
    run_value,
    stop_runs,
    validate,
)


def run_grid(config: dict[str, Any], runs: list[SweepRun] | None = None) -> list[dict[str, Any]]:
    """Ask for runs until the sweep says it is done; each run finishes before the next ask."""
    runs = list(runs or [])
    handed_out: list[dict[str, Any]] = []
    for _ in range(100):
        point = next_run(config, runs)
        if point is None:
            return handed_out
        handed_out.append(point)
        runs.append(SweepRun(f"r{len(runs)}", point, "finished"))
    raise AssertionError("grid never finished")


def test_1_grid_order_is_sorted_names_last_fastest() -> None:
    config = {
        "method": "grid",
        "parameters": {"b": {"values": [1, 2]}, "a": {"values": ["x", "y"]}},
    }
    assert run_grid(config) == [
        {"a": "x", "b": 1},
        {"a": "x", "b": 2},
        {"a": "y", "b": 1},
        {"a": "y", "b": 2},
    ]


def test_2_nested_parameters_flatten_depth_first_and_nest_in_the_run_config() -> None:
    config = {
        "method": "grid",
        "parameters": {
            "z": {"values": [1, 2]},
            "opt": {"parameters": {"lr": {"values": [0.1, 0.01]}, "mom": {"value": 0.9}}},
        },
    }
    points = run_grid(config)
    assert [(p["opt"]["lr"], p["z"]) for p in points] == [(0.1, 1), (0.1, 2), (0.01, 1), (0.01, 2)]
    assert points[0] == {"z": 1, "opt": {"lr": 0.1, "mom": 0.9}}


def test_3_grid_q_uniform_excludes_max() -> None:
    config = {
        "method": "grid",
        "parameters": {"a": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25}},
    }
    assert [p["a"] for p in run_grid(config)] == [0, 0.25, 0.5, 0.75]


def test_4_grid_int_range_is_inclusive_with_the_constant_on_every_point() -> None:
    config = {"method": "grid", "parameters": {"n": {"min": 1, "max": 3}, "c": {"value": "k"}}}
    assert run_grid(config) == [{"c": "k", "n": 1}, {"c": "k", "n": 2}, {"c": "k", "n": 3}]


def test_5_a_failed_run_covers_its_grid_point() -> None:
    config = {"method": "grid", "parameters": {"a": {"values": [1, 2]}}}
    assert run_grid(config, [SweepRun("f", {"a": 1}, "failed")]) == [{"a": 2}]


def test_6_distribution_is_inferred_from_the_bounds_types() -> None:
    ints = validate({"method": "random", "parameters": {"a": {"min": 0, "max": 1}}})
    floats = validate({"method": "random", "parameters": {"a": {"min": 0, "max": 1.0}}})
    assert ints.parameters[0].distribution == "int_uniform"
    assert floats.parameters[0].distribution == "uniform"


def test_7_run_value_is_the_best_over_history_and_summary() -> None:
    run = SweepRun(
        "r", {"a": 0.5}, "finished", [{"loss": 5}, {"loss": 3}, {"loss": 4}], {"loss": 4}
    )
    base = {"method": "bayes", "parameters": {"a": {"min": 0.0, "max": 1.0}}}
    assert run_value({**base, "metric": {"name": "loss"}}, run) == 3
    assert run_value({**base, "metric": {"name": "loss", "goal": "maximize"}}, run) == 5


def test_8_hyperband_bands() -> None:
    assert hyperband_bands(Hyperband(eta=3, max_iter=27, s=2)) == [3, 9]
    assert hyperband_bands(Hyperband(eta=3, min_iter=3), longest=100)[:4] == [3, 9, 27, 81]


def test_9_hyperband_strict_stops_and_lenient_keeps() -> None:
    def losses(*values: float) -> list[dict[str, float]]:
        return [{"loss": v} for v in values]

    runs = [
        SweepRun("a", {}, "finished", losses(5, 4, 3)),
        SweepRun("b", {}, "finished", losses(6, 5, 4)),
        SweepRun("c", {}, "running", losses(1, 9, 9)),
    ]
    config: dict[str, Any] = {
        "method": "random",
        "metric": {"name": "loss"},
        "parameters": {"x": {"min": 0.0, "max": 1.0}},
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
    }
    assert stop_runs(config, runs) == ["c"]
    config["early_terminate"]["strict"] = False
    assert stop_runs(config, runs) == []


def test_10_agent_argument_formats() -> None:
    params = {"lr": 0.01, "flag": False, "on": True}
    assert (
        " ".join(expand_command(["${args}"], params, "train.py"))
        == "--lr=0.01 --flag=False --on=True"
    )
    assert format_args(params, "args_no_boolean_flags") == ["--lr=0.01", "--on"]
