"""Downsampling a metric for a chart without losing spikes: min, max and last per bucket."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class Buckets:
    """At most N buckets of one series; raw points when there are few (each a bucket of one)."""

    x: np.ndarray
    min: np.ndarray
    max: np.ndarray
    last: np.ndarray
    count: np.ndarray
    total: int
    """How many points fell in the range before bucketing."""


def as_float(values: np.ndarray) -> np.ndarray:
    """Numbers as float64; anything that is not a number becomes NaN."""
    if values.dtype.kind in "fiu":
        return values.astype(np.float64, copy=False)
    out = np.full(values.shape[0], np.nan)
    for i, v in enumerate(values.tolist()):
        if type(v) in (int, float):
            out[i] = v
    return out


def bucket(x: np.ndarray, y: np.ndarray, points: int, x_min: float | None = None,
           x_max: float | None = None) -> Buckets:
    """Bucket ``y`` over ``x`` into at most ``points`` equal-width x intervals of [x_min, x_max].

    Non-finite y values are kept in ``last`` but never chosen as a bucket's min or max (unless
    the bucket holds nothing else), so one NaN does not hide a curve.
    """
    x = np.asarray(x, dtype=np.float64)
    y = as_float(np.asarray(y))
    keep = np.isfinite(x)
    if x_min is not None:
        keep &= x >= x_min
    if x_max is not None:
        keep &= x <= x_max
    x, y = x[keep], y[keep]
    if x.shape[0] > 1 and bool(np.any(x[1:] < x[:-1])):
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    total = int(x.shape[0])
    points = max(int(points), 1)
    if total <= points:
        return Buckets(x=x, min=y, max=y, last=y, count=np.ones(total, dtype=np.int64),
                       total=total)
    lo = float(x[0]) if x_min is None else float(x_min)
    hi = float(x[-1]) if x_max is None else float(x_max)
    width = (hi - lo) / points or 1.0
    index = np.minimum(((x - lo) / width).astype(np.int64), points - 1)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    ends = np.r_[starts[1:], total] - 1
    with np.errstate(invalid="ignore"):
        y_min = np.fmin.reduceat(y, starts)
        y_max = np.fmax.reduceat(y, starts)
    return Buckets(x=x[ends], min=y_min, max=y_max, last=y[ends],
                   count=np.diff(np.r_[starts, total]), total=total)
