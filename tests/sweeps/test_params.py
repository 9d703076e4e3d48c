"""Every distribution draws values of the right type in the right range, reproducibly."""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heron.sweeps import SweepRun, next_run, validate
from heron.sweeps.config import Parameter
from heron.sweeps.params import finite_values, from_unit, quantise, sample, snap, to_unit


def param(spec: dict[str, Any]) -> Parameter:
    (p,) = validate({"method": "random", "parameters": {"a": spec}}).parameters
    return p


def draws(spec: dict[str, Any], n: int = 2000, seed: int = 0) -> list[Any]:
    p, rng = param(spec), random.Random(seed)
    return [sample(p, rng) for _ in range(n)]


def test_int_uniform_is_inclusive_and_integer() -> None:
    values = draws({"min": 1, "max": 4})
    assert set(values) == {1, 2, 3, 4}
    assert all(type(v) is int for v in values)


def test_uniform_stays_in_its_bounds_and_spreads_over_them() -> None:
    values = draws({"min": -2.0, "max": 3.0})
    assert all(-2.0 <= v <= 3.0 and type(v) is float for v in values)
    assert min(values) < -1.9 and max(values) > 2.9
    assert abs(sum(values) / len(values) - 0.5) < 0.15


def test_q_uniform_rounds_to_multiples_of_q_as_float_unless_q_is_int() -> None:
    floats = draws({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.1})
    assert set(floats) <= {0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
    assert all(type(v) is float for v in floats)
    ints = draws({"distribution": "q_uniform", "min": 0, "max": 20, "q": 5})
    assert set(ints) == {0, 5, 10, 15, 20}
    assert all(type(v) is int for v in ints)
    default_q = draws({"distribution": "q_uniform", "min": 0, "max": 3})
    assert set(default_q) == {0.0, 1.0, 2.0, 3.0} and all(type(v) is float for v in default_q)


def test_quantise_rounds_half_to_even_and_cleans_binary_noise() -> None:
    assert quantise(0.3000001, 0.1) == 0.3
    assert quantise(2.5, 1) == 2 and quantise(3.5, 1) == 4
    assert quantise(7.4, 5) == 5 and type(quantise(7.4, 5)) is int
    assert quantise(7.6, 5.0) == 10.0 and type(quantise(7.6, 5.0)) is float


def test_log_uniform_values_is_uniform_in_log_space() -> None:
    values = draws({"distribution": "log_uniform_values", "min": 1e-4, "max": 1.0}, 4000)
    assert all(1e-4 <= v <= 1.0 for v in values)
    below = sum(1 for v in values if v < 1e-2) / len(values)  # half the log range
    assert 0.45 < below < 0.55


def test_inv_log_uniform_values_draws_between_its_bounds() -> None:
    values = draws({"distribution": "inv_log_uniform_values", "min": 0.01, "max": 100.0})
    assert all(0.01 <= v <= 100.0 for v in values)
    assert 0.4 < sum(1 for v in values if v < 1.0) / len(values) < 0.6


def test_deprecated_log_forms_take_exponents() -> None:
    log_values = draws({"distribution": "log_uniform", "min": 0, "max": 2})
    assert all(1.0 <= v <= math.exp(2) for v in log_values)
    inv_values = draws({"distribution": "inv_log_uniform", "min": 0, "max": 2})
    assert all(math.exp(-2) <= v <= 1.0 for v in inv_values)
    q_values = draws({"distribution": "q_log_uniform", "min": 0, "max": 3, "q": 2})
    assert set(q_values) <= {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20}
    assert all(type(v) is int for v in q_values)


def test_normal_and_log_normal_follow_mu_and_sigma() -> None:
    normal = draws({"distribution": "normal", "mu": 10, "sigma": 2}, 4000)
    mean = sum(normal) / len(normal)
    sd = math.sqrt(sum((v - mean) ** 2 for v in normal) / len(normal))
    assert abs(mean - 10) < 0.15 and abs(sd - 2) < 0.15
    log_normal = draws({"distribution": "log_normal", "mu": 0, "sigma": 1}, 4000)
    assert all(v > 0 for v in log_normal)
    assert abs(sorted(log_normal)[2000] - 1.0) < 0.1  # median exp(mu)
    q_normal = draws({"distribution": "q_normal", "mu": 0, "sigma": 5, "q": 2})
    assert all(type(v) is int and v % 2 == 0 for v in q_normal)


def test_beta_draws_lie_in_the_unit_interval_with_its_mean() -> None:
    values = draws({"distribution": "beta", "a": 2, "b": 6}, 4000)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert abs(sum(values) / len(values) - 0.25) < 0.02
    q_values = draws({"distribution": "q_beta", "a": 2, "b": 2, "q": 0.25})
    assert set(q_values) <= {0.0, 0.25, 0.5, 0.75, 1.0}


def test_categorical_picks_positions_uniformly() -> None:
    counts = Counter(draws({"values": ["a", "b", "c", "a"]}, 8000))
    assert set(counts) == {"a", "b", "c"}
    assert abs(counts["a"] / 8000 - 0.5) < 0.03  # listed twice
    assert abs(counts["c"] / 8000 - 0.25) < 0.03


def test_categorical_with_probabilities_follows_them() -> None:
    counts = Counter(draws({"values": [1, 2, 3], "probabilities": [0.7, 0.0, 0.3]}, 8000))
    assert counts[2] == 0
    assert abs(counts[1] / 8000 - 0.7) < 0.03


def test_a_constant_is_always_its_value() -> None:
    assert set(map(repr, draws({"value": {"k": [1]}}, 10))) == {"{'k': [1]}"}


def test_random_search_is_reproducible_with_a_seed_and_never_ends_without_a_cap() -> None:
    config = {
        "method": "random",
        "parameters": {"x": {"min": 0.0, "max": 1.0}, "n": {"values": [1, 2]}},
    }
    first = [next_run(config, [], rng=random.Random(7)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng = random.Random(7)
    runs: list[SweepRun] = []
    for i in range(50):
        point = next_run(config, runs, rng=rng)
        assert point is not None
        runs.append(SweepRun(str(i), point, "finished"))
    assert len({p.config["x"] for p in runs}) == 50


def test_nested_random_parameters_come_back_nested() -> None:
    config = {
        "method": "random",
        "parameters": {"opt": {"parameters": {"lr": {"min": 0.1, "max": 0.2}}}},
    }
    point = next_run(config, [], rng=1)
    assert point is not None and set(point) == {"opt"} and 0.1 <= point["opt"]["lr"] <= 0.2


SPECS = [
    {"min": -3, "max": 9},
    {"min": -1.5, "max": 2.0},
    {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.125},
    {"distribution": "log_uniform_values", "min": 0.001, "max": 10.0},
    {"distribution": "q_log_uniform_values", "min": 1, "max": 1000, "q": 1},
    {"distribution": "inv_log_uniform_values", "min": 0.5, "max": 8.0},
    {"distribution": "log_uniform", "min": -2, "max": 2},
    {"distribution": "inv_log_uniform", "min": -1, "max": 3},
    {"distribution": "normal", "mu": 1, "sigma": 3},
    {"distribution": "log_normal", "mu": -1, "sigma": 0.5},
    {"distribution": "beta", "a": 2, "b": 3},
    {"values": ["x", 1.5, None, [1]]},
    {"values": [1, 2, 3], "probabilities": [0.2, 0.3, 0.5]},
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: str(s.get("distribution", s)))
@settings(max_examples=60, deadline=None)
@given(u=st.floats(min_value=0.0, max_value=1.0))
def test_positions_map_to_values_and_back(spec: dict[str, Any], u: float) -> None:
    p = param(spec)
    value = from_unit(p, u)
    position = to_unit(p, value)
    assert position is not None and 0.0 <= position <= 1.0
    # the value at the snapped position is the same value (the inverse CDF is consistent)
    assert from_unit(p, snap(p, u)) == value
    if p.distribution in ("uniform", "log_uniform_values", "normal", "beta", "log_uniform"):
        assert position == pytest.approx(min(max(u, 1e-9), 1 - 1e-9), abs=1e-6)


def test_categorical_position_is_index_plus_one_over_n() -> None:
    p = param({"values": ["a", "b", "c", "d"]})
    assert [to_unit(p, v) for v in "abcd"] == [0.25, 0.5, 0.75, 1.0]
    assert to_unit(p, "zzz") is None
    weighted = param({"values": ["a", "b"], "probabilities": [0.25, 0.75]})
    assert [to_unit(weighted, v) for v in "ab"] == [0.25, 1.0]


def test_discrete_parameters_list_every_value_they_can_take() -> None:
    assert finite_values(param({"min": 2, "max": 5})) == [2, 3, 4, 5]
    assert finite_values(param({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.5})) == [
        0.0,
        0.5,
        1.0,
    ]
    assert finite_values(param({"values": [1, 1.0, 2, True]})) == [1, 2, True]
    assert finite_values(param({"distribution": "q_normal"})) is None
    assert finite_values(param({"min": 0.0, "max": 1.0})) is None
