"""Grid sweeps hand out every point once, in W&B's order, and then finish."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from heron.sweeps import (
    SweepRun,
    flatten_params,
    grid_points,
    grid_size,
    next_run,
    point_key,
    validate,
)


def run_all(config: dict[str, Any], runs: list[SweepRun] | None = None) -> list[dict[str, Any]]:
    runs = list(runs or [])
    out = []
    while (point := next_run(config, runs)) is not None:
        out.append(point)
        runs.append(SweepRun(f"r{len(runs)}", point, "finished"))
        assert len(out) < 1000
    return out


def grid(**parameters: Any) -> dict[str, Any]:
    return {"method": "grid", "parameters": parameters}


def test_three_parameters_vary_last_fastest_in_sorted_name_order() -> None:
    config = grid(c={"values": [0, 1]}, a={"values": [0, 1]}, B={"values": [0, 1]})
    # sorted: "B" < "a" < "c" (code point order, as W&B sorts)
    order = [(p["B"], p["a"], p["c"]) for p in run_all(config)]
    assert order == list(itertools.product([0, 1], repeat=3))


def test_deeply_nested_parameters_sort_at_each_level() -> None:
    config = grid(
        m={
            "parameters": {
                "y": {"values": [1, 2]},
                "x": {"parameters": {"k": {"values": ["p", "q"]}}},
            }
        },
        b={"value": 0},
    )
    points = run_all(config)
    assert [(p["m"]["x"]["k"], p["m"]["y"]) for p in points] == [
        ("p", 1),
        ("p", 2),
        ("q", 1),
        ("q", 2),
    ]
    assert points[0] == {"b": 0, "m": {"x": {"k": "p"}, "y": 1}}


def test_repeated_values_are_enumerated_once() -> None:
    assert [p["a"] for p in run_all(grid(a={"values": [1, 2, 1, 2.0, 3]}))] == [1, 2, 3]


def test_true_is_not_one_and_dict_order_does_not_matter() -> None:
    values = [1, True, {"x": 1, "y": 2}, {"y": 2, "x": 1}, [1, 2], None, "1"]
    assert [p["a"] for p in run_all(grid(a={"values": values}))] == [
        1,
        True,
        {"x": 1, "y": 2},
        [1, 2],
        None,
        "1",
    ]


def test_existing_runs_cover_their_points_by_value_whatever_their_state() -> None:
    config = grid(a={"values": [1, 2, 3, 4, 5]}, b={"values": [{"k": 1, "j": 2}]})
    b = {"j": 2, "k": 1}
    runs = [
        SweepRun("x", {"a": 1.0, "b": b}, "crashed"),
        SweepRun("y", {"a": 2, "b": b}, "running"),
        SweepRun("z", {"a": 3, "b": b}, "pending"),
        SweepRun("w", {"a": 4, "b": b}, "killed"),
    ]
    assert run_all(config, runs) == [{"a": 5, "b": {"k": 1, "j": 2}}]


def test_a_run_with_true_does_not_cover_the_point_one() -> None:
    config = grid(a={"values": [1, 2]})
    assert next_run(config, [SweepRun("x", {"a": True}, "finished")]) == {"a": 1}


def test_runs_with_extra_config_keys_or_dotted_nested_keys_still_cover_points() -> None:
    config = grid(opt={"parameters": {"lr": {"values": [0.1, 0.2]}}})
    runs = [SweepRun("x", {"opt.lr": 0.1, "epochs": 10}, "finished")]
    assert next_run(config, runs) == {"opt": {"lr": 0.2}}


def test_a_run_missing_a_parameter_covers_nothing() -> None:
    config = grid(a={"values": [1]}, b={"values": [1]})
    assert next_run(config, [SweepRun("x", {"a": 1}, "finished")]) == {"a": 1, "b": 1}


def test_float_noise_still_matches_the_grid_value() -> None:
    config = grid(a={"distribution": "q_uniform", "min": 0, "max": 0.4, "q": 0.1})
    assert [p["a"] for p in run_all(config)] == [0.0, 0.1, 0.2, 0.3]
    noisy = SweepRun("x", {"a": 0.1 * 3}, "finished")  # 0.30000000000000004
    assert [p["a"] for p in run_all(config, [noisy])] == [0.0, 0.1, 0.2]


def test_q_uniform_grid_values_are_ints_when_min_and_q_are() -> None:
    points = run_all(grid(a={"distribution": "q_uniform", "min": 2, "max": 9, "q": 3}))
    assert [p["a"] for p in points] == [2, 5, 8]
    assert all(type(p["a"]) is int for p in points)


def test_run_cap_ends_a_grid_early() -> None:
    config = {**grid(a={"values": [1, 2, 3]}), "run_cap": 2}
    assert [p["a"] for p in run_all(config)] == [1, 2]


def test_grid_helpers_enumerate_points_and_flatten_run_configs() -> None:
    config = validate(
        grid(z={"values": [1, 2]}, opt={"parameters": {"lr": {"values": [0.1]}, "m": {"value": 0}}})
    )
    assert grid_size(config) == 2
    assert list(grid_points(config)) == [
        {"opt": {"lr": 0.1, "m": 0}, "z": 1},
        {"opt": {"lr": 0.1, "m": 0}, "z": 2},
    ]
    assert flatten_params(config, {"z": 2, "opt": {"lr": 0.1, "m": 0}, "other": 1}) == {
        "opt.lr": 0.1,
        "opt.m": 0,
        "z": 2,
    }
    assert point_key(config, {"z": 2.0, "opt": {"lr": 0.1}}) == point_key(
        config, {"opt.lr": 0.1, "z": 2}
    )


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=3),
    done=st.sets(st.integers(min_value=0, max_value=63)),
    state=st.sampled_from(["finished", "failed", "crashed", "killed", "running", "pending"]),
)
def test_every_point_is_handed_out_exactly_once(
    sizes: list[int], done: set[int], state: str
) -> None:
    config = grid(**{f"p{i}": {"values": list(range(n))} for i, n in enumerate(sizes)})
    everything = list(itertools.product(*(range(n) for n in sizes)))
    existing = [
        SweepRun(f"e{i}", {f"p{j}": v for j, v in enumerate(everything[i])}, state)
        for i in sorted(done)
        if i < len(everything)
    ]
    handed = [tuple(p[f"p{j}"] for j in range(len(sizes))) for p in run_all(config, existing)]
    expected = [pt for i, pt in enumerate(everything) if i not in done]
    assert handed == expected
