"""``CustomChart``: a table plus the chart spec that draws it, W&B's custom-chart shape.

Logging ``{"acc_curve": chart}`` stores ``chart.table`` in the history under
``"acc_curve_table"`` (``"Custom Chart Tables/acc_curve_table"`` with ``split_table``) and the
chart, as ``config_value``, in the run's config at ``_wandb.visualize.acc_curve``: the shapes
``wandb`` 0.31 stores, so W&B's tools and Heron's dashboard read either client's charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from heron.errors import ValueRejected
from heron.media._convert import type_name
from heron.media.table import Table

SPLIT_SECTION = "Custom Chart Tables"
"""The history section W&B puts a chart's table in when ``split_table=True``."""

made = False
"""True once any chart was built: until then ``log()`` does not look for charts in a row."""


@dataclass
class ChartSpec:
    """Which chart spec draws the table (``spec_name``, e.g. ``"wandb/line/v0"``), which
    columns fill its fields, and its text settings (title, axis titles)."""

    spec_name: str
    fields: dict[str, Any]
    string_fields: dict[str, Any] = field(default_factory=dict)
    split_table: bool = False
    panel_type: str = "Vega2"

    def table_key(self, key: str) -> str:
        """The history key of the table of the chart logged under ``key``."""
        return f"{SPLIT_SECTION}/{key}_table" if self.split_table else f"{key}_table"

    def config_value(self, key: str) -> dict[str, Any]:
        """What the run's config holds at ``_wandb.visualize.<key>`` (W&B's panel config)."""
        table_key = self.table_key(key)
        return {
            "panel_type": self.panel_type,
            "panel_config": {
                "panelDefId": self.spec_name,
                "fieldSettings": dict(self.fields),
                "stringSettings": dict(self.string_fields),
                "transform": {"name": "tableWithLeafColNames"},
                "userQuery": {"queryFields": [{
                    "name": "runSets",
                    "args": [{"name": "runSets", "value": "${runSets}"}],
                    "fields": [
                        {"name": "id", "fields": []},
                        {"name": "name", "fields": []},
                        {"name": "_defaultColorIndex", "fields": []},
                        {"name": "summaryTable",
                         "args": [{"name": "tableKey", "value": table_key}], "fields": []},
                    ],
                }]},
            },
        }


class CustomChart:
    """A chart for ``log()``: ``table`` drawn by ``spec``. Made by ``heron.plot.*`` and
    ``heron.plot_table``; like ``wandb.plot.CustomChart``.

    Example:
        >>> chart = heron.plot_table("wandb/line/v0", table, {"x": "step", "y": "loss"})
        >>> run.log({"loss_curve": chart})
    """

    def __init__(self, table: Table, spec: ChartSpec) -> None:
        global made
        self.table = table
        self.spec = spec
        made = True

    def __repr__(self) -> str:
        return f"CustomChart({self.spec.spec_name!r}, {self.table!r})"


def plot_table(vega_spec_name: str, data_table: Table, fields: Mapping[str, Any],
               string_fields: Mapping[str, Any] | None = None,
               split_table: bool = False) -> CustomChart:
    """A chart of ``data_table`` drawn by the chart spec ``vega_spec_name``, like
    ``wandb.plot_table``.

    ``fields`` maps the spec's fields to the table's columns; ``string_fields`` gives its text
    settings (a title...); ``split_table`` files the table under "Custom Chart Tables". Heron's
    dashboard draws W&B's built-in specs (``wandb/line/v0``...) and shows the table of any
    other spec, naming it.

    Example:
        >>> table = heron.Table(columns=["x", "y"], data=[[1, 1], [2, 4]])
        >>> chart = heron.plot_table("wandb/line/v0", table, {"x": "x", "y": "y"},
        ...                          {"title": "Squares"})
        >>> run.log({"squares": chart})
    """
    if not isinstance(vega_spec_name, str) or not vega_spec_name:
        raise ValueRejected(f"plot_table vega_spec_name={vega_spec_name!r} must be a "
                            "non-empty string such as 'wandb/line/v0'")
    check_table(data_table, "plot_table data_table")
    if not isinstance(fields, Mapping):
        raise ValueRejected(f"plot_table fields must be a dict of spec field -> column, got "
                            f"{type_name(fields)}")
    if string_fields is not None and not isinstance(string_fields, Mapping):
        raise ValueRejected(f"plot_table string_fields must be a dict of setting -> text, got "
                            f"{type_name(string_fields)}")
    return CustomChart(data_table, ChartSpec(
        spec_name=vega_spec_name, fields=dict(fields), string_fields=dict(string_fields or {}),
        split_table=bool(split_table)))


def check_table(table: Any, what: str) -> Table:
    """``table`` when it is a ``heron.Table``; else an error naming what it is."""
    if not isinstance(table, Table):
        raise ValueRejected(f"{what} must be a heron.Table, got {type_name(table)}")
    return table


def check_columns(table: Table, function: str, **columns: str | None) -> None:
    """Each named column argument (None: not given) names a column of ``table``."""
    for argument, column in columns.items():
        if column is not None and column not in table.columns:
            raise ValueRejected(f"heron.plot.{function}: {argument}={column!r} is not a column "
                                f"of the table; its columns are {table.columns}")
