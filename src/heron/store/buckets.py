"""Downsampling a metric for a chart without losing spikes: min, max and last per bucket."""

from __future__ import annotations

import dataclasses
import math

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
    lo: float = math.nan
    hi: float = math.nan
    """The x range the bucket width was chosen for: the asked bounds, else the points' extent."""
    width: float = 0.0
    """Each bucket holds the points with the same ``floor(x / width)``; 0 for raw points."""


def as_float(values: np.ndarray) -> np.ndarray:
    """Numbers as float64; anything that is not a number becomes NaN."""
    if values.dtype.kind in "fiu":
        return values.astype(np.float64, copy=False)
    out = np.full(values.shape[0], np.nan)
    for i, v in enumerate(values.tolist()):
        if type(v) in (int, float):
            out[i] = v
    return out


def lattice_width(lo: float, hi: float, points: int) -> float:
    """The smallest power of two ``w`` for which ``[lo, hi]`` meets at most ``points`` cells
    ``floor(x / w)`` (``points`` >= 2).

    The cells are fixed (they start at 0, not at the first point) and each width halves into
    the next smaller one, so a browser holding these buckets can merge live points into them,
    and merge pairs of them when the range outgrows the width, and get exactly what a fresh
    request would return. web/src/panels/series.ts (bucketWidth) computes the same, operation
    for operation: keep the two in step.
    """
    span = hi - lo
    if not span > 0:
        return 1.0
    ratio = span / points
    if not math.isfinite(ratio):
        return math.inf  # a range past the largest float: one cell, as in the browser
    # A start at or below the answer (log2 may be off by an ulp; the loop does not care).
    k = math.floor(math.log2(ratio)) - 1 if ratio > 0 else -1074
    while True:
        if k > 1023:
            return math.inf  # 2**1024 is infinite in the browser too
        w = math.ldexp(1.0, k)
        # Floats, not Python ints, so that huge cell numbers round as they do in the browser.
        cells = float(np.floor(hi / w)) - float(np.floor(lo / w)) + 1.0
        if cells <= points:
            return w
        k += 1


def bucket(x: np.ndarray, y: np.ndarray, points: int, x_min: float | None = None,
           x_max: float | None = None) -> Buckets:
    """Bucket ``y`` over ``x`` into at most ``points`` cells of one width over [x_min, x_max].

    Non-finite y values are kept in ``last`` but never chosen as a bucket's min or max (unless
    the bucket holds nothing else), so one NaN does not hide a curve. Points with equal x keep
    their order (the later step is the ``last``).
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
    # Infinite bounds bound nothing: the width follows the points then.
    lo = float(x_min) if x_min is not None and math.isfinite(x_min) else (
        float(x[0]) if total else math.nan)
    hi = float(x_max) if x_max is not None and math.isfinite(x_max) else (
        float(x[-1]) if total else math.nan)
    if total <= points:
        return Buckets(x=x, min=y, max=y, last=y, count=np.ones(total, dtype=np.int64),
                       total=total, lo=lo, hi=hi)
    if points == 1:
        # No lattice fits one cell when the range straddles 0: one bucket, that no append
        # can extend (the width says so by being infinite).
        width = math.inf
        starts = np.zeros(1, dtype=np.int64)
    else:
        width = lattice_width(lo, hi, points)
        cell = np.floor(x / width)
        starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    ends = np.r_[starts[1:], total] - 1
    with np.errstate(invalid="ignore"):
        y_min = np.fmin.reduceat(y, starts)
        y_max = np.fmax.reduceat(y, starts)
    return Buckets(x=x[ends], min=y_min, max=y_max, last=y[ends],
                   count=np.diff(np.r_[starts, total]), total=total, lo=lo, hi=hi, width=width)
