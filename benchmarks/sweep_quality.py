"""Sweep search quality: simple regret of Heron's bayes and random search on standard functions.

Simple regret = best value found minus the known optimum, after 20, 40 and 60 trials, median over
seeds, on Branin (2-D) and Hartmann-6 (6-D). Each trial goes through the public engine exactly as
a sweep would: ``next_run(config, runs)`` proposes, the function is evaluated, and the run is
appended as finished. Printed side by side with W&B's engine (figures measured with its
open-source ``sweeps`` library, see ../shared/ANCHORS.md) and, if installed, Optuna's TPE.
Also prints the time per bayes suggestion with 10, 100 and 1,000 past runs.

    python benchmarks/sweep_quality.py             # 20 seeds (a few minutes)
    python benchmarks/sweep_quality.py --quick     # 5 seeds, fewer timing repeats
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from heron.sweeps import SweepRun, next_run

BUDGETS = (20, 40, 60)
# W&B's engine (its open-source ``sweeps`` bayes and random), median of 20 seeds.
REFERENCE = {
    "branin": {"W&B bayes": (0.171, 0.013, 0.003), "W&B random": (2.227, 1.417, 1.321)},
    "hartmann6": {"W&B bayes": (0.951, 0.503, 0.301), "W&B random": (1.678, 1.634, 1.451)},
}


def branin(x: dict[str, Any]) -> float:
    x1, x2 = float(x["x1"]), float(x["x2"])
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]
_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6(x: dict[str, Any]) -> float:
    u = [x[f"x{i + 1}"] for i in range(6)]
    total = 0.0
    for a, p, alpha in zip(_A, _P, _ALPHA):
        total -= alpha * math.exp(-sum(aj * (uj - pj) ** 2 for aj, uj, pj in zip(a, u, p)))
    return total


@dataclass(frozen=True)
class Problem:
    name: str
    function: Callable[[dict[str, Any]], float]
    bounds: dict[str, tuple[float, float]]
    optimum: float


PROBLEMS = {
    "branin": Problem("branin", branin, {"x1": (-5.0, 10.0), "x2": (0.0, 15.0)}, 0.397887357729738),
    "hartmann6": Problem(
        "hartmann6", hartmann6, {f"x{i + 1}": (0.0, 1.0) for i in range(6)}, -3.32236801141551
    ),
}


def sweep_config(problem: Problem, method: str) -> dict[str, Any]:
    return {
        "method": method,
        "metric": {"name": "f", "goal": "minimize"},
        "parameters": {k: {"min": lo, "max": hi} for k, (lo, hi) in problem.bounds.items()},
    }


def run_heron(problem_name: str, method: str, seed: int, trials: int) -> list[float]:
    """Best-so-far regret after each trial of one sweep."""
    problem = PROBLEMS[problem_name]
    config = sweep_config(problem, method)
    rng = random.Random(seed)
    runs: list[SweepRun] = []
    best = math.inf
    regrets = []
    for i in range(trials):
        params = next_run(config, runs, rng=rng)
        assert params is not None
        value = problem.function(params)
        runs.append(SweepRun(f"r{i}", params, "finished", [{"f": value}], {"f": value}))
        best = min(best, value)
        regrets.append(best - problem.optimum)
    return regrets


def run_optuna(problem_name: str, method: str, seed: int, trials: int) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem = PROBLEMS[problem_name]

    def objective(trial: Any) -> float:
        x = {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in problem.bounds.items()}
        return problem.function(x)

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    best = math.inf
    regrets = []
    for trial in study.trials:
        assert trial.value is not None
        best = min(best, trial.value)
        regrets.append(best - problem.optimum)
    return regrets


def _one(job: tuple[str, str, str, int, int]) -> list[float]:
    engine, problem, method, seed, trials = job
    runner = run_optuna if engine == "optuna" else run_heron
    return runner(problem, method, seed, trials)


def medians(engine: str, problem: str, method: str, seeds: int, jobs: int) -> tuple[float, ...]:
    work = [(engine, problem, method, seed, max(BUDGETS)) for seed in range(seeds)]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            curves = list(pool.map(_one, work))
    else:
        curves = [_one(w) for w in work]
    return tuple(statistics.median(c[b - 1] for c in curves) for b in BUDGETS)


def suggestion_times(problem_name: str, sizes: Sequence[int], repeats: int) -> dict[int, float]:
    """Median seconds per bayes suggestion with ``n`` finished past runs."""
    problem = PROBLEMS[problem_name]
    config = sweep_config(problem, "bayes")
    rng = random.Random(0)
    out = {}
    for n in sizes:
        runs = []
        for i in range(n):
            x = {k: rng.uniform(lo, hi) for k, (lo, hi) in problem.bounds.items()}
            value = problem.function(x)
            runs.append(SweepRun(f"r{i}", x, "finished", [{"f": value}], {"f": value}))
        next_run(config, runs, rng=rng)  # warm up imports
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            next_run(config, runs, rng=rng)
            times.append(time.perf_counter() - start)
        out[n] = statistics.median(times)
    return out


def _fmt(values: Sequence[float]) -> str:
    return " / ".join(f"{v:.3f}" if v >= 0.001 else f"{v:.1e}" for v in values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="seeds per engine (default 20)")
    parser.add_argument("--quick", action="store_true", help="5 seeds, 3 timing repeats")
    parser.add_argument("--jobs", type=int, default=1, help="processes to spread seeds over")
    parser.add_argument("--problems", default="branin,hartmann6", help="comma-separated")
    parser.add_argument("--no-optuna", action="store_true", help="skip Optuna even if installed")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing table")
    args = parser.parse_args(argv)
    seeds = 5 if args.quick and args.seeds == 20 else args.seeds
    repeats = 3 if args.quick else 7

    engines: list[tuple[str, str, str]] = [
        ("Heron bayes", "heron", "bayes"),
        ("Heron random", "heron", "random"),
    ]
    if not args.no_optuna:
        try:
            import optuna  # noqa: F401

            engines.append(("Optuna TPE", "optuna", "tpe"))
        except ImportError:
            print("(optuna not installed: TPE column skipped)")

    budgets = " / ".join(str(b) for b in BUDGETS)
    print(f"Simple regret (best found - optimum), median of {seeds} seeds, at {budgets} trials")
    for problem in args.problems.split(","):
        reference = REFERENCE[problem]
        wandb_bayes = reference["W&B bayes"]
        print(f"\n{problem}")
        print(f"  {'engine':<14} {'regret':<28} {'ratio to W&B bayes (<1 is better)'}")
        for label, engine, method in engines:
            start = time.perf_counter()
            found = medians(engine, problem, method, seeds, args.jobs)
            took = time.perf_counter() - start
            ratios = " / ".join(f"{v / r:.2g}" for v, r in zip(found, wandb_bayes))
            print(f"  {label:<14} {_fmt(found):<28} {ratios:<24} ({took:.0f} s)")
        for label, values in reference.items():
            print(f"  {label:<14} {_fmt(values):<28} (reference)")

    if not args.no_timing:
        print("\nTime per bayes suggestion (median), by number of past runs")
        for problem in args.problems.split(","):
            times = suggestion_times(problem, (10, 100, 1000), repeats)
            row = "  ".join(f"{n:>5} runs: {t * 1000:6.1f} ms" for n, t in times.items())
            print(f"  {problem:<10} {row}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
