"""Reading a run's history back as rows or a DataFrame, sampled or whole."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from heron.store.models import Series


def sample_indices(n: int, samples: int) -> np.ndarray:
    """At most ``samples`` evenly spread positions out of ``n``, first and last included."""
    if samples <= 0 or n <= samples:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, samples).round().astype(np.int64))


def common_steps(series: Sequence[Series]) -> np.ndarray:
    """Steps at which every series has a value (rows that hold all the asked keys)."""
    steps = _unique_sorted(series[0].steps)
    for other in series[1:]:
        steps = np.intersect1d(steps, _unique_sorted(other.steps), assume_unique=True)
    return steps


def _unique_sorted(steps: np.ndarray) -> np.ndarray:
    """``np.unique`` for step arrays, skipping the sort when they already strictly increase."""
    if steps.shape[0] < 2 or bool(np.all(steps[1:] > steps[:-1])):
        return steps
    return np.unique(steps)


def aligned(series: Series, steps: np.ndarray) -> np.ndarray:
    """``series``' values at ``steps`` (each of which it has); the last value wins on repeats."""
    if series.steps.shape[0] == steps.shape[0] and np.array_equal(series.steps, steps):
        return series.values
    positions = np.searchsorted(series.steps, steps, side="right") - 1
    return series.values[positions]


def rows_with_all(series: Sequence[Series], steps: np.ndarray, step_key: str | None
                  ) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    if step_key is not None:
        columns[step_key] = steps
    for s in series:
        columns[s.key] = aligned(s, steps)
    return columns


def union_rows(series: Sequence[Series], step_key: str | None) -> Iterator[dict[str, Any]]:
    """Full rows in step order: each holds the keys logged at that step."""
    by_step: dict[int, dict[str, Any]] = {}
    for s in series:
        for step, value in zip(s.steps.tolist(), s.values.tolist()):
            row = by_step.get(step)
            if row is None:
                row = by_step[step] = {step_key: step} if step_key is not None else {}
            row[s.key] = value
    for step in sorted(by_step):
        yield by_step[step]
