"""Hyperband early termination: bands, per-band thresholds, and which running runs to stop."""

from __future__ import annotations

import math
from collections.abc import Sequence

from heron.sweeps.config import Hyperband, Metric
from heron.sweeps.runs import SweepRun, history_values


def hyperband_bands(hyperband: Hyperband, longest: int | None = None) -> list[int]:
    """The iteration counts at which runs are compared, ascending.

    With ``max_iter`` and ``s``: ``b = max_iter``, then ``s`` times ``b = b / eta`` (stopping
    once ``b < 1``), keeping ``int(b)``. With ``min_iter``: ``int(min_iter * eta**k)`` for
    k = 0, 1, 2, ... - an endless series, cut after the first band above ``longest`` (or after
    100 bands when ``longest`` is None).
    """
    eta = hyperband.eta
    bands: list[int] = []
    if hyperband.max_iter is not None and hyperband.s is not None:
        band: float = hyperband.max_iter
        for _ in range(hyperband.s):
            band = band / eta
            if band < 1:
                break
            bands.append(int(band))
        return sorted(bands)
    assert hyperband.min_iter is not None
    band = hyperband.min_iter
    for _ in range(100):
        value = int(band)
        if not bands or value != bands[-1]:
            bands.append(value)
        if longest is not None and value > longest:
            break
        band *= eta
    return bands


def _iterations(run: SweepRun, metric: Metric) -> list[float]:
    values = history_values(run, metric.name)
    return [-v for v in values] if metric.maximize else values


def thresholds(
    hyperband: Hyperband, metric: Metric, runs: Sequence[SweepRun]
) -> list[tuple[int, float | None]]:
    """Each band with its threshold (None where no run has reached the band yet).

    For band b: every run with at least b values gives its b-th value (negated when
    maximising); sorted ascending, the threshold is the element at index ``floor(n / eta)``.
    """
    histories = [_iterations(run, metric) for run in runs]
    longest = max((len(h) for h in histories), default=0)
    out: list[tuple[int, float | None]] = []
    for band in hyperband_bands(hyperband, longest):
        values = sorted(h[band - 1] for h in histories if band >= 1 and len(h) >= band)
        out.append((band, values[math.floor(len(values) / hyperband.eta)] if values else None))
    return out


def hyperband_stop(hyperband: Hyperband, metric: Metric, runs: Sequence[SweepRun]) -> list[str]:
    """Ids of the running runs to stop, in the order given.

    A running run is judged at the largest band not above its iteration count: stopped when its
    value at that band (``strict``) or its best value so far (not strict) is strictly worse
    than the band's threshold. A run with no band yet is kept.
    """
    table = thresholds(hyperband, metric, runs)
    stop = []
    for run in runs:
        if run.state != "running":
            continue
        history = _iterations(run, metric)
        judged: tuple[int, float] | None = None
        for band, threshold in table:
            if band <= len(history) and threshold is not None:
                judged = (band, threshold)
        if judged is None:
            continue
        band, threshold = judged
        value = history[band - 1] if hyperband.strict else min(history)
        if value > threshold:
            stop.append(run.id)
    return stop
