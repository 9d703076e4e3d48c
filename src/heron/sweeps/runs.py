"""The runs of a sweep as the engine sees them, and the metric values read from them."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from heron.sweeps.config import Metric, SweepConfig
from heron.sweeps.validation import validate

RUN_STATES = ("pending", "running", "finished", "failed", "crashed", "killed")
ENDED_STATES = frozenset({"finished", "failed", "crashed", "killed"})
IN_FLIGHT_STATES = frozenset({"pending", "running"})


@dataclass
class SweepRun:
    """One run of a sweep: its parameter values, state, metric history and summary.

    ``config`` holds plain values, nested dicts for nested parameters
    (``{"z": 1, "opt": {"lr": 0.1}}``); ``history`` is the logged rows in order.
    """

    id: str
    config: dict[str, Any]
    state: str
    history: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.state not in RUN_STATES:
            raise ValueError(
                f"run {self.id}: state {self.state!r} is not one of {list(RUN_STATES)}"
            )


def as_number(value: Any) -> float | None:
    """``value`` as a finite float, or None (bools, strings, NaN and infinities are not)."""
    kind = type(value)
    if kind is float or kind is int:
        number = float(value)
    elif kind is bool or not isinstance(value, numbers.Real):
        return None
    else:
        number = float(value)
    return number if math.isfinite(number) else None


def _read(row: Mapping[str, Any], name: str) -> Any:
    if name in row:
        return row[name]
    node: Any = row
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def history_values(run: SweepRun, name: str) -> list[float]:
    """The finite values of metric ``name`` in the run's history, in order (its iterations)."""
    out = []
    for row in run.history:
        number = as_number(_read(row, name)) if isinstance(row, Mapping) else None
        if number is not None:
            out.append(number)
    return out


def summary_value(run: SweepRun, name: str) -> float | None:
    """The finite summary value of metric ``name``, if any."""
    return as_number(_read(run.summary, name)) if isinstance(run.summary, Mapping) else None


def all_values(run: SweepRun, name: str) -> list[float]:
    """Every finite value of the metric: history rows, then the summary."""
    values = history_values(run, name)
    last = summary_value(run, name)
    if last is not None:
        values.append(last)
    return values


def best_value(run: SweepRun, metric: Metric) -> float | None:
    """The run's best metric value over history and summary (min, or max when maximising)."""
    values = all_values(run, metric.name)
    if not values:
        return None
    return max(values) if metric.maximize else min(values)


def latest_value(run: SweepRun, metric: Metric) -> float | None:
    """The last finite history value of the metric, else the summary value."""
    values = history_values(run, metric.name)
    return values[-1] if values else summary_value(run, metric.name)


def worst_value(runs: Iterable[SweepRun], metric: Metric) -> float | None:
    """The worst single metric value logged by any ended run (``impute: worst``)."""
    worst: float | None = None
    for run in runs:
        if run.state not in ENDED_STATES:
            continue
        for value in all_values(run, metric.name):
            if worst is None or (value < worst if metric.maximize else value > worst):
                worst = value
    return worst


def run_value(config: SweepConfig | Mapping[str, Any], run: SweepRun) -> float | None:
    """The value of a run for the search: its best metric value over history and summary
    (min when minimising, max when maximising); None without a finite value or a metric."""
    metric = validate(config).metric
    return None if metric is None else best_value(run, metric)


def counts_toward_cap(run: SweepRun, config: SweepConfig) -> bool:
    """Whether the run counts toward ``run_cap``: killed or crashed runs without metrics don't."""
    if run.state not in ("killed", "crashed"):
        return True
    if config.metric is not None:
        return bool(all_values(run, config.metric.name))
    has_summary = any(not str(k).startswith("_") for k in run.summary)
    return bool(run.history) or has_summary


def runs_counted(config: SweepConfig, runs: Sequence[SweepRun]) -> int:
    """How many runs count toward ``run_cap``."""
    return sum(1 for run in runs if counts_toward_cap(run, config))


def target_reached(config: SweepConfig, runs: Sequence[SweepRun]) -> bool:
    """Whether a finished run reached ``metric.target`` (at or below it when minimising)."""
    metric = config.metric
    if metric is None or metric.target is None:
        return False
    for run in runs:
        if run.state != "finished":
            continue
        value = best_value(run, metric)
        if value is not None and (
            value >= metric.target if metric.maximize else value <= metric.target
        ):
            return True
    return False
