"""What ``log()`` does with a chart: its table goes into the row under the chart's table key
and its spec into the run's config at ``_wandb.visualize.<key>``, as ``wandb`` 0.31 does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from heron.plot import custom_chart
from heron.plot.custom_chart import CustomChart


class ConfigLike(Protocol):
    """The part of ``run.config`` that charts use."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def update(self, values: Any, allow_val_change: bool | None = None) -> None: ...


def take_charts(data: Mapping[str, Any], config: ConfigLike) -> Mapping[str, Any]:
    """``data`` with each chart (at any depth of nested dicts) replaced by its table under
    the chart's table key, after recording the charts in ``config``; ``data`` itself, not
    copied, when it holds no chart (and always before any chart was made: the common case
    costs one flag test).

    Example:
        >>> row = take_charts({"acc": 0.9, "roc": heron.plot.roc_curve(y, p)}, run.config)
        >>> sorted(row)
        ['acc', 'roc_table']
    """
    if not custom_chart.made:
        return data
    if not any(issubclass(kind, (CustomChart, dict)) for kind in set(map(type, data.values()))):
        return data  # a row of plain values and media: nothing to look through
    charts: dict[str, CustomChart] = {}
    row = _without_charts(data, "", charts)
    if not charts:
        return data
    for key, chart in charts.items():
        row[chart.spec.table_key(key)] = chart.table
    record_charts(config, {key: chart.spec.config_value(key) for key, chart in charts.items()})
    return row


def record_charts(config: ConfigLike, visualize: Mapping[str, Any]) -> None:
    """Add ``visualize`` (chart key -> W&B panel config) to ``config["_wandb"]["visualize"]``,
    keeping the charts recorded before (a chart logged again under its key replaces its
    entry)."""
    internal = config.get("_wandb")
    merged = dict(internal) if isinstance(internal, Mapping) else {}
    shown = merged.get("visualize")
    merged["visualize"] = {**(shown if isinstance(shown, Mapping) else {}), **visualize}
    if merged != internal:  # a chart logged every epoch changes the config only once
        config.update({"_wandb": merged}, allow_val_change=True)


def _without_charts(data: Mapping[str, Any], prefix: str,
                    charts: dict[str, CustomChart]) -> dict[str, Any]:
    """A copy of ``data`` without its charts, which are put in ``charts`` under their dotted
    keys (``"eval.roc"`` for ``{"eval": {"roc": chart}}``)."""
    row: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, CustomChart):
            charts[dotted] = value
        elif isinstance(value, dict) and "_type" not in value:
            row[key] = _without_charts(value, dotted, charts)
        else:
            row[key] = value
    return row
