"""Bayesian search: runs become points in [0, 1]^d with values, the GP proposes the next point.

Each non-constant parameter is one dimension, mapped by its cumulative distribution. Finished
runs contribute their best metric value; failed, crashed and killed runs are imputed per
``metric.impute``; running runs per ``metric.impute_while_running`` (when set), and otherwise,
like pending runs, are in flight: the model's predicted mean at their points is added as if
observed. In a space where every dimension is discrete, no point already run or in flight is
suggested again while unexplored points remain.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from heron.sweeps.config import Metric, Parameter, SweepConfig
from heron.sweeps.params import (
    category_position,
    finite_values,
    from_unit,
    is_discrete,
    snap,
    to_unit,
)
from heron.sweeps.points import MISSING, canonical, lookup, nest
from heron.sweeps.runs import ENDED_STATES, SweepRun, history_values, summary_value

if TYPE_CHECKING:
    import numpy as np

    from heron.sweeps.gp import BoolArray, FloatArray, Space

MIN_OBSERVATIONS = 2
RANDOM_TRIES = 64
ENUMERATE_LIMIT = 20_000

PointKey = tuple[Hashable, ...]


@dataclass
class Observations:
    """What the model learns from: points (in [0, 1]^d), values to minimise, points in flight."""

    x: list[list[float]] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    pending: list[list[float]] = field(default_factory=list)
    taken: set[PointKey] = field(default_factory=set)


def encode(dims: Sequence[Parameter], config: dict[str, Any]) -> list[float] | None:
    """A run config as a point in [0, 1]^d; None if it lacks a parameter or has a foreign value."""
    point = []
    for p in dims:
        value = lookup(config, p.path)
        if value is MISSING:
            return None
        u = to_unit(p, value)
        if u is None:
            return None
        point.append(u)
    return point


def value_key(dims: Sequence[Parameter], config: dict[str, Any]) -> PointKey:
    return tuple(canonical(lookup(config, p.path)) for p in dims)


@dataclass(frozen=True)
class _Values:
    """One run's finite metric values, read once."""

    history: list[float]
    summary: float | None

    def best(self, maximize: bool) -> float | None:
        values = self.all()
        if not values:
            return None
        return max(values) if maximize else min(values)

    def latest(self) -> float | None:
        return self.history[-1] if self.history else self.summary

    def all(self) -> list[float]:
        return self.history if self.summary is None else [*self.history, self.summary]


def _impute(strategy: str, values: _Values, metric: Metric, worst: float | None) -> float | None:
    if strategy == "best":
        value = values.best(metric.maximize)
    elif strategy == "latest":
        value = values.latest()
    else:
        value = None
    return worst if value is None else value


def observations(
    config: SweepConfig, runs: Sequence[SweepRun], track_taken: bool = True
) -> Observations:
    """Turn the runs into model data per the impute and in-flight rules (values to minimise).

    ``taken`` (the points run or in flight) is collected only with ``track_taken``."""
    metric = config.metric
    if metric is None:
        raise ValueError("bayes search needs a metric")
    dims = config.searchable
    sign = -1.0 if metric.maximize else 1.0
    read = [_Values(history_values(r, metric.name), summary_value(r, metric.name)) for r in runs]
    # impute "worst": the worst single value any ended run logged
    ended = [
        v for run, values in zip(runs, read) if run.state in ENDED_STATES for v in values.all()
    ]
    worst = (min(ended) if metric.maximize else max(ended)) if ended else None
    obs = Observations()
    for run, values in zip(runs, read):
        point = encode(dims, run.config)
        if point is None:
            continue
        if track_taken:
            obs.taken.add(value_key(dims, run.config))
        value: float | None
        if run.state == "finished":
            value = values.best(metric.maximize)
            if value is None:
                value = _impute(metric.impute, values, metric, worst)
        elif run.state in ("failed", "crashed", "killed"):
            value = _impute(metric.impute, values, metric, worst)
        elif run.state == "running" and metric.impute_while_running != "false":
            strategy = metric.impute_while_running
            value = worst if strategy == "worst" else _impute(strategy, values, metric, None)
            if value is None:
                obs.pending.append(point)
                continue
        else:
            obs.pending.append(point)
            continue
        if value is not None:
            obs.x.append(point)
            obs.y.append(sign * value)
    return obs


def bayes_point(
    config: SweepConfig, runs: Sequence[SweepRun], rng: random.Random
) -> dict[str, Any]:
    """The next point to run, as a run config (nested dicts for nested parameters)."""
    import numpy as np

    from heron.sweeps import gp

    dims = config.searchable
    discrete = all(is_discrete(p) for p in dims)
    obs = observations(config, runs, track_taken=discrete)
    np_rng = np.random.default_rng(rng.getrandbits(64))
    space = _space(dims, obs.taken if discrete else set(), discrete)
    if len(obs.y) < MIN_OBSERVATIONS:
        u = _random_point(dims, space, np_rng)
    else:
        d = len(dims)
        pending = np.array(obs.pending, dtype=float).reshape(-1, d)
        u = gp.suggest(
            np.array(obs.x, dtype=float), np.array(obs.y, dtype=float), pending, np_rng, space
        )
    return decode(config, [float(v) for v in u])


def decode(config: SweepConfig, u: Sequence[float]) -> dict[str, Any]:
    """A point of [0, 1]^d back to parameter values (constants filled in), as a run config."""
    values = iter(u)
    return nest(
        (p.path, p.value if p.is_constant else from_unit(p, next(values)))
        for p in config.parameters
    )


def _random_point(dims: Sequence[Parameter], space: Space, rng: np.random.Generator) -> FloatArray:
    """A uniform random point; in a discrete space, one not taken while any remain."""
    d = len(dims)
    for _ in range(RANDOM_TRIES if space.excluded is not None else 1):
        u = rng.random((1, d))
        if space.snap is not None:
            u = space.snap(u)
        if space.excluded is None or not space.excluded(u)[0]:
            return u[0]
    if space.enumerate_free is not None:
        free = space.enumerate_free(1_000_000)
        if free is not None and len(free):
            return free[int(rng.integers(len(free)))]
    return u[0]


def _space(dims: Sequence[Parameter], taken: set[PointKey], discrete: bool) -> Space:
    import numpy as np

    from heron.sweeps.gp import Space

    snappers = [_snapper(p) for p in dims]

    def snap_all(u: FloatArray) -> FloatArray:
        out = np.array(u, dtype=float, copy=True)
        for j, snapper in enumerate(snappers):
            if snapper is not None:
                out[:, j] = snapper(out[:, j])
        return out

    if not discrete:
        any_discrete = any(s is not None for s in snappers)
        return Space(snap=snap_all if any_discrete else None)

    def excluded(u: FloatArray) -> BoolArray:
        mask = np.zeros(len(u), dtype=bool)
        if not taken:
            return mask
        for i, row in enumerate(u):
            key = tuple(canonical(from_unit(p, float(x))) for p, x in zip(dims, row))
            mask[i] = key in taken
        return mask

    def enumerate_free(limit: int) -> FloatArray | None:
        axes = []
        size = 1
        for p in dims:
            values = finite_values(p)
            if values is None:
                return None
            size *= len(values)
            if size > limit:
                return None
            axes.append([(to_unit(p, v), canonical(v)) for v in values])
        free = [
            [pos for pos, _ in combo]
            for combo in itertools.product(*axes)
            if tuple(key for _, key in combo) not in taken
        ]
        return np.array(free, dtype=float).reshape(-1, len(dims))

    steppers = [_stepper(p) for p in dims]

    def neighbours(u: FloatArray) -> FloatArray:
        out = []
        for j, step in enumerate(steppers):
            for direction in (-1, 1):
                moved = np.array(u, dtype=float, copy=True)
                moved[:, j] = [step(float(x), direction) for x in u[:, j]]
                out.append(moved)
        return np.vstack(out)

    return Space(
        snap=snap_all,
        discrete=True,
        excluded=excluded,
        enumerate_free=enumerate_free,
        neighbours=neighbours,
    )


def _stepper(p: Parameter) -> Callable[[float, int], float]:
    """Moves a position to the next value up or down (or leaves it at the end of the range)."""
    if p.distribution in ("categorical", "int_uniform"):
        values = finite_values(p)
        assert values is not None
        positions = sorted({to_unit(p, v) or 0.0 for v in values})

        def by_index(u: float, direction: int) -> float:
            i = min(range(len(positions)), key=lambda k: abs(positions[k] - u))
            return positions[min(max(i + direction, 0), len(positions) - 1)]

        return by_index

    def by_q(u: float, direction: int) -> float:
        assert p.q is not None
        moved = to_unit(p, from_unit(p, u) + direction * p.q)
        return u if moved is None else moved

    return by_q


def _snapper(p: Parameter) -> Callable[[FloatArray], FloatArray] | None:
    """A vectorised ``snap`` for one discrete dimension (None for continuous ones)."""
    import numpy as np

    if not is_discrete(p):
        return None
    if p.distribution in ("categorical", "int_uniform"):
        if p.distribution == "categorical":
            n = len(p.values)
            positions = np.array([to_unit(p, v) for v in p.values], dtype=float)
        else:
            assert p.min is not None and p.max is not None
            n = int(p.max) - int(p.min) + 1
            positions = np.arange(1, n + 1, dtype=float) / n
        if p.probabilities is None:

            def by_index(u: FloatArray) -> FloatArray:
                idx = np.clip(np.ceil(u * n).astype(int) - 1, 0, n - 1)
                return positions[idx]

            return by_index
        cumulative = np.array([category_position(p, i) for i in range(n)])
        positive = np.array(p.probabilities) > 0

        def by_probability(u: FloatArray) -> FloatArray:
            idx = np.searchsorted(cumulative, np.clip(u, 1e-12, 1.0), side="left")
            idx = np.clip(idx, 0, n - 1)
            # a zero-probability value never wins: step back to the last positive one
            for k in np.nonzero(~positive[idx])[0]:
                j = int(idx[k])
                while j > 0 and not positive[j]:
                    j -= 1
                idx[k] = j
            return positions[idx]

        return by_probability

    def quantised(u: FloatArray) -> FloatArray:
        return np.array([snap(p, float(x)) for x in u], dtype=float)

    return quantised
