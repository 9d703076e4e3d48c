"""``run.summary`` and ``define_metric``: what each metric's summary value is.

By default a key's summary is its last logged value. ``define_metric(name, summary=...)`` makes
it a dict of aggregates, stored as W&B stores them: ``summary["val_loss"] == {"min": 0.1}``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from heron.errors import ValueRejected
from heron.sdk.values import fit_mapping, fits

SUMMARY_CHOICES = ("min", "max", "mean", "last", "best", "first", "none")
GOALS = ("minimize", "maximize")


@dataclasses.dataclass
class MetricDef:
    """One ``define_metric`` call's settings."""

    name: str
    step_metric: str | None = None
    step_sync: bool = True
    hidden: bool = False
    summary: tuple[str, ...] = ()
    goal: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step_sync": self.step_sync}
        if self.step_metric:
            out["step_metric"] = self.step_metric
        if self.hidden:
            out["hidden"] = True
        if self.summary:
            out["summary"] = list(self.summary)
        if self.goal:
            out["goal"] = self.goal
        return out


def parse_summary(summary: str | None) -> tuple[str, ...]:
    if not summary:
        return ()
    parts = tuple(p.strip().lower() for p in summary.split(",") if p.strip())
    bad = [p for p in parts if p not in SUMMARY_CHOICES]
    if bad:
        raise ValueRejected(
            f"define_metric summary={summary!r}: {bad[0]!r} is not one of {list(SUMMARY_CHOICES)}"
        )
    return parts


def parse_goal(goal: str | None) -> str | None:
    if goal is None:
        return None
    normal = {"min": "minimize", "max": "maximize"}.get(goal.lower(), goal.lower())
    if normal not in GOALS:
        raise ValueRejected(f"define_metric goal={goal!r} is not one of {list(GOALS)}")
    return normal


class Summary(MutableMapping[str, Any]):
    """The run's summary: the last value of each key, or its ``define_metric`` aggregates.

    Setting a key (``run.summary["best_acc"] = 0.9``) overrides it and is persisted.
    """

    def __init__(self, initial: Mapping[str, Any] | None = None,
                 accepts: Callable[[], bool] | None = None) -> None:
        """``initial``: the values a resumed run had; ``accepts``: asked before every write by
        the user, which is ignored when it says False (a finished run)."""
        self._data: dict[str, Any] = dict(initial or {})
        self._accepts = accepts
        self.dirty = False
        self._defs: dict[str, MetricDef] = {}
        self._globs: list[MetricDef] = []
        self._resolved: dict[str, MetricDef | None] = {}
        self._mean: dict[str, tuple[float, int]] = {}
        self._step_values: dict[str, Any] = {}
        self._step_names: set[str] = set()

    # -- mapping --------------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if not self._accepted() or not fits("summary", key, value):
            return
        self._data[key] = value
        self._changed()

    def __delitem__(self, key: str) -> None:
        if not self._accepted():
            return
        del self._data[key]
        self._changed()

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_") or key == "dirty":
            raise AttributeError(key)
        try:
            return self._data[key]
        except KeyError:
            raise AttributeError(f"summary has no key {key!r}") from None

    def __repr__(self) -> str:
        return f"Summary({self._data!r})"

    def update(self, *args: Any, **kwargs: Any) -> None:
        if not self._accepted():
            return
        self._data.update(fit_mapping("summary", dict(*args, **kwargs)))
        self._changed()

    def as_dict(self) -> dict[str, Any]:
        return dict(self._data)

    # -- metric definitions ---------------------------------------------------------------
    def define(self, definition: MetricDef) -> None:
        if "*" in definition.name or "?" in definition.name:
            self._globs = [g for g in self._globs if g.name != definition.name] + [definition]
        else:
            self._defs[definition.name] = definition
        if definition.step_metric:
            self._step_names.add(definition.step_metric)
        self._resolved.clear()

    def definitions(self) -> dict[str, dict[str, Any]]:
        return {d.name: d.to_json() for d in [*self._defs.values(), *self._globs]}

    def rule(self, key: str) -> MetricDef | None:
        try:
            return self._resolved[key]
        except KeyError:
            pass
        found = self._defs.get(key)
        if found is None:
            for glob in reversed(self._globs):
                if fnmatch.fnmatchcase(key, glob.name):
                    found = glob
                    break
        self._resolved[key] = found
        return found

    def sync_step_metrics(self, row: dict[str, Any]) -> None:
        """Add each metric's ``step_metric`` to a row that lacks it (W&B's ``step_sync``)."""
        if not self._step_names:
            return
        for name in self._step_names:
            if name in row:
                self._step_values[name] = row[name]
        for key in list(row):
            rule = self.rule(key)
            if (rule is not None and rule.step_metric and rule.step_sync
                    and rule.step_metric not in row and rule.step_metric in self._step_values):
                row[rule.step_metric] = self._step_values[rule.step_metric]

    def absorb(self, row: dict[str, Any]) -> None:
        """Fold a committed history row into the summary."""
        if not self._defs and not self._globs:
            self._data.update(row)
            self.dirty = True
            return
        else:
            for key, value in row.items():
                rule = self.rule(key)
                if rule is None or not rule.summary:
                    self._data[key] = value
                else:
                    self._aggregate(key, value, rule)
        self._changed()

    def _aggregate(self, key: str, value: Any, rule: MetricDef) -> None:
        if "none" in rule.summary:
            self._data.pop(key, None)
            return
        number = type(value) in (int, float)
        if not number:
            self._data[key] = value
            return
        current = self._data.get(key)
        agg: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
        finite = math.isfinite(value)
        for name in rule.summary:
            if name == "last":
                agg["last"] = value
            elif name == "first":
                agg.setdefault("first", value)
            elif name == "mean":
                total, count = self._mean.get(key, (0.0, 0))
                total, count = total + value, count + 1
                self._mean[key] = (total, count)
                agg["mean"] = total / count
            elif finite:
                kind = name
                if name == "best":
                    kind = "max" if rule.goal == "maximize" else "min"
                old = agg.get(name)
                better = old is None or (value < old if kind == "min" else value > old)
                if better:
                    agg[name] = value
        self._data[key] = agg

    def _accepted(self) -> bool:
        return self._accepts is None or self._accepts()

    def _changed(self) -> None:
        self.dirty = True

    def take_snapshot(self) -> dict[str, Any] | None:
        """A copy of the summary if it changed since the last snapshot, else None."""
        if not self.dirty:
            return None
        self.dirty = False
        return dict(self._data)
