"""Parameter distributions: random draws, the cumulative distribution into [0, 1], its inverse.

Every distribution is sampled through its inverse cumulative distribution function (``from_unit``)
of a uniform draw, as W&B's engine does, so ``random`` and ``bayes`` agree on what a position in
``[0, 1]`` means. Log forms are uniform in log space; categorical index ``i`` of ``n`` sits at
``(i + 1) / n`` (or at the cumulative probability, with ``probabilities``).
"""

from __future__ import annotations

import copy
import math
import numbers
import random
from statistics import NormalDist
from typing import Any

from heron.sweeps.config import QUANTISED, Parameter
from heron.sweeps.points import canonical

_STANDARD_NORMAL = NormalDist()
_TAIL = 1e-9  # unbounded distributions are cut at these quantiles
_MAX_ENUMERATED = 1_000_000


def quantise(x: float, q: float) -> float | int:
    """Round ``x`` to a multiple of ``q``: an int when ``q`` is an int, else a float."""
    steps = round(x / q)
    if isinstance(q, int) and not isinstance(q, bool):
        return int(steps) * q
    return clean_float(steps * q)


def clean_float(x: float) -> float:
    """Drop binary noise from a computed float: ``0.1 * 3`` gives ``0.3``."""
    return float(f"{x:.12g}")


def is_discrete(p: Parameter) -> bool:
    """Whether the parameter only takes separated values (categorical, integer, quantised)."""
    return (
        p.distribution in ("categorical", "int_uniform", "constant") or p.distribution in QUANTISED
    )


def sample(p: Parameter, rng: random.Random) -> Any:
    """One random value from the parameter's distribution (what ``method: random`` runs)."""
    if p.is_constant:
        return copy.deepcopy(p.value)
    u = rng.random()
    while u == 0.0:  # the open interval (0, 1)
        u = rng.random()
    return from_unit(p, u)


def from_unit(p: Parameter, u: float) -> Any:
    """The value at cumulative probability ``u`` (the inverse CDF, quantised for ``q_`` forms)."""
    u = min(max(float(u), 0.0), 1.0)
    d = p.distribution
    if d == "constant":
        return copy.deepcopy(p.value)
    if d == "categorical":
        return copy.deepcopy(p.values[category_index(p, u)])
    if d == "int_uniform":
        assert p.min is not None and p.max is not None
        n = int(p.max) - int(p.min) + 1
        return int(p.min) + min(max(math.ceil(u * n) - 1, 0), n - 1)
    x = _continuous_from_unit(p, u)
    if d in QUANTISED:
        assert p.q is not None
        return quantise(x, p.q)
    return x


def category_index(p: Parameter, u: float) -> int:
    """Which of the categorical values position ``u`` selects."""
    n = len(p.values)
    if p.probabilities is None:
        return min(max(math.ceil(u * n) - 1, 0), n - 1)
    total = sum(p.probabilities)
    cumulative = 0.0
    last_positive = 0
    for i, prob in enumerate(p.probabilities):
        if prob <= 0:
            continue
        last_positive = i
        cumulative += prob / total
        if u <= cumulative:
            return i
    return last_positive


def _continuous_from_unit(p: Parameter, u: float) -> float:
    d = p.distribution
    if d in ("uniform", "q_uniform"):
        assert p.min is not None and p.max is not None
        return float(p.min + u * (p.max - p.min))
    if d in ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values"):
        assert p.min is not None and p.max is not None
        low, high = math.log(p.min), math.log(p.max)
        return math.exp(low + u * (high - low))
    if d in ("log_uniform", "q_log_uniform"):
        assert p.min is not None and p.max is not None
        return math.exp(p.min + u * (p.max - p.min))
    if d == "inv_log_uniform":
        assert p.min is not None and p.max is not None
        return math.exp(-(p.min + (1.0 - u) * (p.max - p.min)))
    if d in ("normal", "q_normal"):
        return p.mu + p.sigma * _STANDARD_NORMAL.inv_cdf(min(max(u, _TAIL), 1.0 - _TAIL))
    if d in ("log_normal", "q_log_normal"):
        return math.exp(p.mu + p.sigma * _STANDARD_NORMAL.inv_cdf(min(max(u, _TAIL), 1.0 - _TAIL)))
    if d in ("beta", "q_beta"):
        from scipy.special import betaincinv

        return float(betaincinv(p.a, p.b, min(max(u, _TAIL), 1.0 - _TAIL)))
    raise ValueError(f"{p.name}: no inverse CDF for distribution {d!r}")


def to_unit(p: Parameter, value: Any) -> float | None:
    """The cumulative probability of ``value`` (clipped to [0, 1]); None if it is not one of the
    parameter's values (a categorical value not listed, or a non-number for a numeric form)."""
    d = p.distribution
    if d == "constant":
        return 0.0
    if d == "categorical":
        key = canonical(value)
        for i, candidate in enumerate(p.values):
            if canonical(candidate) == key:
                return category_position(p, i)
        return None
    if type(value) is float or type(value) is int:
        v = float(value)
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    else:
        v = float(value)
    if not math.isfinite(v):
        return None
    return min(max(_cdf(p, v), 0.0), 1.0)


def category_position(p: Parameter, index: int) -> float:
    """Position in [0, 1] of the categorical value at ``index``: its cumulative probability."""
    if p.probabilities is None:
        return (index + 1) / len(p.values)
    total = sum(p.probabilities)
    return sum(p.probabilities[: index + 1]) / total


def _cdf(p: Parameter, v: float) -> float:
    d = p.distribution
    if d == "int_uniform":
        assert p.min is not None and p.max is not None
        return (math.floor(v) - p.min + 1) / (p.max - p.min + 1)
    if d in ("uniform", "q_uniform"):
        assert p.min is not None and p.max is not None
        return (v - p.min) / (p.max - p.min)
    if d in ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values"):
        assert p.min is not None and p.max is not None
        if v <= 0:
            return 0.0
        low, high = math.log(p.min), math.log(p.max)
        return (math.log(v) - low) / (high - low)
    if d in ("log_uniform", "q_log_uniform"):
        assert p.min is not None and p.max is not None
        return 0.0 if v <= 0 else (math.log(v) - p.min) / (p.max - p.min)
    if d == "inv_log_uniform":
        assert p.min is not None and p.max is not None
        return 0.0 if v <= 0 else 1.0 - (-math.log(v) - p.min) / (p.max - p.min)
    if d in ("normal", "q_normal"):
        return _STANDARD_NORMAL.cdf((v - p.mu) / p.sigma)
    if d in ("log_normal", "q_log_normal"):
        return 0.0 if v <= 0 else _STANDARD_NORMAL.cdf((math.log(v) - p.mu) / p.sigma)
    if d in ("beta", "q_beta"):
        from scipy.special import betainc

        return float(betainc(p.a, p.b, min(max(v, 0.0), 1.0)))
    raise ValueError(f"{p.name}: no CDF for distribution {d!r}")


def snap(p: Parameter, u: float) -> float:
    """Move ``u`` to the position of the value it selects (identity for continuous forms)."""
    if not is_discrete(p):
        return u
    position = to_unit(p, from_unit(p, u))
    return u if position is None else position


def unique_values(values: tuple[Any, ...] | list[Any]) -> list[Any]:
    """The values without repeats (by sweep value comparison), first occurrence kept."""
    seen: set[Any] = set()
    out: list[Any] = []
    for value in values:
        key = canonical(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def grid_values(p: Parameter) -> list[Any]:
    """The values a grid search enumerates for ``p``, in order, without repeats."""
    d = p.distribution
    if d == "constant":
        return [p.value]
    if d == "categorical":
        return unique_values(p.values)
    if d == "int_uniform":
        assert p.min is not None and p.max is not None
        return list(range(int(p.min), int(p.max) + 1))
    if d == "q_uniform":
        assert p.min is not None and p.max is not None and p.q is not None
        count = max(math.ceil((p.max - p.min) / p.q - 1e-9), 0)
        integral = all(isinstance(x, int) and not isinstance(x, bool) for x in (p.min, p.q))
        if integral:
            return [int(p.min) + i * int(p.q) for i in range(count)]
        return unique_values([clean_float(p.min + i * p.q) for i in range(count)])
    raise ValueError(f"{p.name}: distribution {d!r} cannot be enumerated by a grid search")


def finite_values(p: Parameter) -> list[Any] | None:
    """Every value a discrete parameter can take, or None when unbounded or very many."""
    d = p.distribution
    if d == "constant":
        return [p.value]
    if d == "categorical":
        if p.probabilities is None:
            return unique_values(p.values)
        return unique_values([v for v, w in zip(p.values, p.probabilities) if w > 0])
    if d == "int_uniform":
        assert p.min is not None and p.max is not None
        if p.max - p.min + 1 > _MAX_ENUMERATED:
            return None
        return list(range(int(p.min), int(p.max) + 1))
    if d not in QUANTISED or d in ("q_normal", "q_log_normal"):
        return None
    assert p.q is not None
    low, high = _continuous_from_unit(p, 0.0), _continuous_from_unit(p, 1.0)
    first, last = round(low / p.q), round(high / p.q)
    if last - first + 1 > _MAX_ENUMERATED:
        return None
    return unique_values([quantise(k * p.q, p.q) for k in range(int(first), int(last) + 1)])
