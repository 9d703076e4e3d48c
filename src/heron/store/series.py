"""One metric for a chart: read it (against any x), then bucket it, on an open connection."""

from __future__ import annotations

import math

import numpy as np
from sqlalchemy.engine import Connection

from heron.store import queries
from heron.store.buckets import Buckets, as_float, bucket
from heron.store.models import Series


def align(x_series: Series, y_series: Series) -> tuple[np.ndarray, Series]:
    """Pair each y point with the x logged at the same step (points without one are dropped)."""
    if not len(x_series):
        return np.empty(0), Series(y_series.key, y_series.steps[:0], y_series.values[:0])
    at = np.minimum(np.searchsorted(x_series.steps, y_series.steps), len(x_series) - 1)
    found = x_series.steps[at] == y_series.steps
    return as_float(x_series.values[at[found]]), Series(y_series.key, y_series.steps[found],
                                                        y_series.values[found])


def series_in(conn: Connection, run_pk: int, key: str, x: str = "_step", points: int = 1000,
              x_min: float | None = None, x_max: float | None = None, stream: int = 0,
              after: int | None = None) -> tuple[Buckets, int]:
    """``key`` of a run as at most ``points`` buckets over ``[x_min, x_max]`` of ``x`` (``_step``
    or any metric), or, with ``after``, its raw points from that step on; and the cursor (the
    step after the last point) to pass as ``after`` next time."""
    if after is None:
        # Infinite bounds: -inf/+inf bound nothing; +inf/-inf (or NaN) leave nothing in range.
        if x_min is not None and not math.isfinite(x_min):
            if not x_min < 0:
                return bucket(np.empty(0), np.empty(0), points), 0
            x_min = None
        if x_max is not None and not math.isfinite(x_max):
            if not x_max > 0:
                return bucket(np.empty(0), np.empty(0), points), 0
            x_max = None
    min_step, max_step = after, None
    if x == "_step" and after is None:
        min_step = math.floor(x_min) if x_min is not None else None
        max_step = math.floor(x_max) + 1 if x_max is not None else None
    ys = queries.read_series(conn, run_pk, key, stream, min_step, max_step)
    if x == "_step":
        xs = ys.steps
    else:
        xs, ys = align(queries.read_series(conn, run_pk, x, stream, min_step, max_step), ys)
    cursor = int(ys.steps.max()) + 1 if len(ys) else (after or 0)
    if after is not None:
        return bucket(xs, ys.values, len(xs) or 1), cursor
    return bucket(xs, ys.values, points, x_min, x_max), cursor
