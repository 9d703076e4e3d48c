"""Bayes sweeps learn from finished runs, impute failures, and spread out parallel agents."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from heron.sweeps import SweepRun, next_run, validate
from heron.sweeps.bayes import encode, observations
from heron.sweeps.gp import log_expected_improvement


def bayes(metric: dict[str, Any] | None = None, **parameters: Any) -> dict[str, Any]:
    return {
        "method": "bayes",
        "metric": metric or {"name": "loss"},
        "parameters": parameters or {"x": {"min": 0.0, "max": 1.0}},
    }


def done(run_id: str, x: float, *losses: float, state: str = "finished") -> SweepRun:
    return SweepRun(run_id, {"x": x}, state, [{"loss": v} for v in losses])


def test_with_fewer_than_two_observations_the_suggestion_is_uniformly_random() -> None:
    cfg = bayes(x={"min": 10.0, "max": 20.0})
    first = [next_run(cfg, [done("a", 15.0, 1.0)], rng=i)["x"] for i in range(200)]  # type: ignore[index]
    assert all(10.0 <= x <= 20.0 for x in first)
    assert 14.0 < sum(first) / len(first) < 16.0 and min(first) < 10.5 and max(first) > 19.5
    assert next_run(cfg, [], rng=4) == next_run(cfg, [], rng=4)


def test_observations_use_the_best_value_and_impute_failed_runs_as_the_worst() -> None:
    cfg = validate(bayes())
    runs = [
        SweepRun("a", {"x": 0.1}, "finished", [{"loss": 5}, {"loss": 3}, {"loss": 4}], {"loss": 4}),
        done("b", 0.2, 2.0, 7.0),
        done("c", 0.3, 1.0, state="failed"),
        done("d", 0.4, state="crashed"),
        done("e", 0.5, state="finished"),  # finished without a value: imputed too
        done("f", 0.6, 0.5, state="running"),
        done("g", 0.7, state="pending"),
        SweepRun("h", {"y": 1}, "finished", [{"loss": 0.0}]),  # not a point of this sweep
    ]
    obs = observations(cfg, runs)
    assert obs.y == [3.0, 2.0, 7.0, 7.0, 7.0]
    assert [round(x[0], 6) for x in obs.x] == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert [round(x[0], 6) for x in obs.pending] == [0.6, 0.7]


@pytest.mark.parametrize(
    ("impute", "expected"),
    [("worst", 9.0), ("best", 1.0), ("latest", 4.0)],
)
def test_impute_strategies_for_a_crashed_run(impute: str, expected: float) -> None:
    cfg = validate(bayes({"name": "loss", "impute": impute}))
    runs = [done("a", 0.1, 2.0, 9.0), done("b", 0.9, 3.0, 1.0, 4.0, state="crashed")]
    assert observations(cfg, runs).y == [2.0, expected]


def test_maximising_negates_values_and_imputes_the_smallest_as_worst() -> None:
    cfg = validate(bayes({"name": "loss", "goal": "maximize"}))
    runs = [done("a", 0.1, 2.0, 9.0), done("b", 0.5, 4.0), done("c", 0.9, state="killed")]
    assert observations(cfg, runs).y == [-9.0, -4.0, -2.0]


@pytest.mark.parametrize(
    ("strategy", "y", "pending"),
    [
        ("false", [1.0], 1),
        ("best", [1.0, 2.0], 0),
        ("latest", [1.0, 6.0], 0),
        ("worst", [1.0, 8.0], 0),
    ],
)
def test_impute_while_running(strategy: str, y: list[float], pending: int) -> None:
    cfg = validate(bayes({"name": "loss", "impute_while_running": strategy}))
    runs = [done("a", 0.1, 1.0, 8.0), done("b", 0.5, 2.0, 6.0, state="running")]
    obs = observations(cfg, runs)
    assert obs.y == y and len(obs.pending) == pending


def test_non_finite_metric_values_are_skipped() -> None:
    cfg = validate(bayes())
    runs = [
        SweepRun(
            "a",
            {"x": 0.2},
            "finished",
            [{"loss": float("nan")}, {"loss": 2.0}, {"loss": "x"}],
            {"loss": float("inf")},
        )
    ]
    assert observations(cfg, runs).y == [2.0]


def test_nested_and_categorical_values_are_encoded_by_their_cdf() -> None:
    cfg = validate(
        bayes(
            opt={"parameters": {"kind": {"values": ["a", "b", "c", "d"]}}},
            lr={"distribution": "log_uniform_values", "min": 0.001, "max": 0.1},
        )
    )
    assert encode(cfg.searchable, {"lr": 0.01, "opt": {"kind": "b"}}) == pytest.approx([0.5, 0.5])
    assert encode(cfg.searchable, {"lr": 0.01, "opt": {"kind": "zz"}}) is None


def quadratic_runs(n: int, seed: int = 0) -> list[SweepRun]:
    rng = random.Random(seed)
    runs = []
    for i in range(n):
        x = rng.random()
        runs.append(done(f"r{i}", x, (x - 0.3) ** 2))
    return runs


def test_a_suggestion_moves_toward_the_minimum() -> None:
    runs = quadratic_runs(8)
    cfg = bayes()
    for i in range(8):
        point = next_run(cfg, runs, rng=i)
        assert point is not None
        runs.append(done(f"s{i}", point["x"], (point["x"] - 0.3) ** 2))
    best = min(runs[8:], key=lambda r: r.history[0]["loss"])
    assert abs(best.config["x"] - 0.3) < 0.02


def test_maximising_finds_the_maximum() -> None:
    cfg = bayes({"name": "acc", "goal": "maximize"}, x={"min": -2.0, "max": 2.0})
    rng = random.Random(1)
    runs: list[SweepRun] = []
    for i in range(14):
        point = next_run(cfg, runs, rng=rng)
        assert point is not None
        runs.append(SweepRun(str(i), point, "finished", [{"acc": -((point["x"] - 1.0) ** 2)}]))
    assert max(r.history[0]["acc"] for r in runs) > -1e-3


def test_parallel_agents_get_different_suggestions() -> None:
    cfg = bayes()
    runs = quadratic_runs(6)
    handed: list[float] = []
    for i in range(4):
        point = next_run(cfg, runs, rng=0)  # same seed: only the in-flight runs differ
        assert point is not None
        handed.append(point["x"])
        runs.append(SweepRun(f"p{i}", point, "running" if i % 2 else "pending"))
    assert len(set(handed)) == 4
    assert min(abs(a - b) for a in handed for b in handed if a != b) > 1e-3


def test_a_discrete_space_is_explored_without_repeats_until_exhausted() -> None:
    cfg = bayes(n={"min": 1, "max": 3}, opt={"values": ["sgd", "adam"]})
    rng = random.Random(0)
    runs: list[SweepRun] = []
    seen = []
    for i in range(6):
        point = next_run(cfg, runs, rng=rng)
        assert point is not None
        seen.append((point["n"], point["opt"]))
        loss = point["n"] + (0.5 if point["opt"] == "sgd" else 0.0)
        runs.append(SweepRun(str(i), point, "finished", [{"loss": loss}]))
    assert sorted(seen) == sorted((n, o) for n in (1, 2, 3) for o in ("sgd", "adam"))
    assert next_run(cfg, runs, rng=rng) is not None  # bayes goes on once the space is covered


def test_discrete_points_in_flight_or_failed_are_not_suggested_again() -> None:
    cfg = bayes(n={"min": 1, "max": 4})
    runs = [
        SweepRun("a", {"n": 1}, "finished", [{"loss": 1.0}]),
        SweepRun("b", {"n": 2}, "finished", [{"loss": 0.5}]),
        SweepRun("c", {"n": 3}, "running"),
        SweepRun("d", {"n": 2.0}, "failed"),
    ]
    for seed in range(5):
        assert next_run(cfg, runs, rng=seed) == {"n": 4}


def test_large_quantised_space_never_repeats_a_point() -> None:
    cfg = bayes(
        x={"distribution": "q_uniform", "min": 0, "max": 100, "q": 1}, c={"values": [True, False]}
    )
    rng = random.Random(3)
    runs: list[SweepRun] = []
    for i in range(25):
        point = next_run(cfg, runs, rng=rng)
        assert point is not None and float(point["x"]).is_integer()
        runs.append(
            SweepRun(str(i), point, "finished", [{"loss": abs(point["x"] - 40) + point["c"]}])
        )
    keys = {(r.config["x"], r.config["c"]) for r in runs}
    assert len(keys) == 25


def test_every_distribution_can_be_searched_and_decodes_to_valid_values() -> None:
    cfg = bayes(
        a={"min": 1, "max": 5},
        b={"distribution": "q_log_uniform_values", "min": 1, "max": 100, "q": 1},
        c={"distribution": "normal", "mu": 0, "sigma": 2},
        d={"distribution": "beta", "a": 2, "b": 2},
        e={"values": ["p", "q"], "probabilities": [0.9, 0.1]},
        f={"distribution": "inv_log_uniform", "min": 0, "max": 3},
        g={"value": "fixed"},
        h={"distribution": "q_normal", "q": 0.5},
    )
    rng = random.Random(2)
    runs: list[SweepRun] = []
    for i in range(6):
        point = next_run(cfg, runs, rng=rng)
        assert point is not None
        assert type(point["a"]) is int and 1 <= point["a"] <= 5
        assert type(point["b"]) is int and 1 <= point["b"] <= 100
        assert math.isfinite(point["c"]) and 0 <= point["d"] <= 1
        assert (
            point["e"] in ("p", "q") and math.exp(-3) <= point["f"] <= 1 and point["g"] == "fixed"
        )
        assert (point["h"] * 2).is_integer()
        runs.append(SweepRun(str(i), point, "finished", [{"loss": point["a"] + point["d"]}]))


def test_many_past_runs_are_subsampled_and_still_give_a_point() -> None:
    runs = quadratic_runs(300, seed=5)
    point = next_run(bayes(), runs, rng=0)
    assert point is not None and 0.0 <= point["x"] <= 1.0
    assert abs(point["x"] - 0.3) < 0.2


def test_log_expected_improvement_matches_the_closed_form_and_never_underflows() -> None:
    from scipy.stats import norm

    mean = np.array([-1.0, 0.0, 0.5, 3.0, 40.0])
    sd = np.array([0.5, 1.0, 0.2, 0.5, 0.5])
    log_ei, _, _ = log_expected_improvement(mean, sd, 0.0)
    z = -mean / sd
    closed = sd * (norm.pdf(z) + z * norm.cdf(z))
    np.testing.assert_allclose(np.exp(log_ei[:4]), closed[:4], rtol=1e-6)
    assert np.isfinite(log_ei[4]) and log_ei[4] < log_ei[3]


def test_an_unbounded_quantised_space_walks_outward_instead_of_repeating() -> None:
    cfg = bayes(x={"distribution": "q_normal", "mu": 0, "sigma": 1, "q": 1})
    rng = random.Random(0)
    runs: list[SweepRun] = []
    for i in range(12):  # values out to 6 sigma: far more than random candidates ever reach
        point = next_run(cfg, runs, rng=rng)
        assert point is not None
        runs.append(SweepRun(str(i), point, "finished", [{"loss": (point["x"] - 1) ** 2}]))
    xs = [r.config["x"] for r in runs]
    assert len(set(xs)) == 12, xs


def branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def test_bayes_beats_random_search_on_branin_with_the_same_budget() -> None:
    optimum = 0.397887357729738
    regrets: dict[str, list[float]] = {"bayes": [], "random": []}
    for method in regrets:
        cfg = {
            "method": method,
            "metric": {"name": "f"},
            "parameters": {"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0}},
        }
        for seed in range(3):
            rng = random.Random(seed)
            runs: list[SweepRun] = []
            for i in range(25):
                p = next_run(cfg, runs, rng=rng)
                assert p is not None
                runs.append(SweepRun(str(i), p, "finished", [{"f": branin(p["x1"], p["x2"])}]))
            regrets[method].append(min(r.history[0]["f"] for r in runs) - optimum)
    assert sorted(regrets["bayes"])[1] < 0.1  # W&B's engine: 0.171 after 20 trials
    assert sorted(regrets["bayes"])[1] < sorted(regrets["random"])[1] / 5
