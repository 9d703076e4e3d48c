"""Charts of a table the user built: ``line``, ``scatter``, ``bar``, ``histogram``, and
``line_series``, which builds its table from lists. Signatures and stored shapes are
``wandb.plot``'s (0.31)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from heron.errors import ValueRejected
from heron.media._convert import type_name
from heron.media.table import Table
from heron.plot.custom_chart import CustomChart, check_columns, check_table, plot_table
from heron.term import outside_heron


def line(table: Table, x: str, y: str, stroke: str | None = None, title: str = "",
         split_table: bool = False) -> CustomChart:
    """A line chart of column ``y`` against column ``x``; ``stroke`` names a column whose
    values split the rows into one line each.

    Example:
        >>> table = heron.Table(columns=["step", "loss"], data=[[0, 1.0], [1, 0.5]])
        >>> run.log({"loss_curve": heron.plot.line(table, "step", "loss", title="Loss")})
    """
    check_columns(check_table(table, "heron.plot.line table"), "line", x=x, y=y, stroke=stroke)
    return plot_table("wandb/line/v0", table, {"x": x, "y": y, "stroke": stroke},
                      {"title": title}, split_table)


def scatter(table: Table, x: str, y: str, title: str = "",
            split_table: bool = False) -> CustomChart:
    """A scatter plot of column ``y`` against column ``x``.

    Example:
        >>> table = heron.Table(columns=["height", "weight"], data=[[1.7, 65], [1.8, 80]])
        >>> run.log({"hw": heron.plot.scatter(table, "height", "weight")})
    """
    check_columns(check_table(table, "heron.plot.scatter table"), "scatter", x=x, y=y)
    return plot_table("wandb/scatter/v0", table, {"x": x, "y": y}, {"title": title},
                      split_table)


def bar(table: Table, label: str, value: str, title: str = "",
        split_table: bool = False) -> CustomChart:
    """A bar chart: one bar per row, named by column ``label``, as long as column ``value``.

    Example:
        >>> table = heron.Table(columns=["class", "count"], data=[["cat", 12], ["dog", 9]])
        >>> run.log({"counts": heron.plot.bar(table, "class", "count", title="Counts")})
    """
    check_columns(check_table(table, "heron.plot.bar table"), "bar", label=label, value=value)
    return plot_table("wandb/bar/v0", table, {"label": label, "value": value},
                      {"title": title}, split_table)


def histogram(table: Table, value: str, title: str = "",
              split_table: bool = False) -> CustomChart:
    """A histogram of the numbers in column ``value`` (binned when drawn).

    Example:
        >>> table = heron.Table(columns=["score"], data=[[s] for s in scores])
        >>> run.log({"scores": heron.plot.histogram(table, "score", title="Scores")})
    """
    check_columns(check_table(table, "heron.plot.histogram table"), "histogram", value=value)
    return plot_table("wandb/histogram/v0", table, {"value": value}, {"title": title},
                      split_table)


def line_series(xs: Any, ys: Any, keys: Iterable[str] | None = None, title: str = "",
                xname: str = "x", split_table: bool = False) -> CustomChart:
    """Several lines on one chart: ``ys`` holds one list of y values per line; ``xs`` one
    list of x values shared by every line, or one list per line. ``keys`` names the lines
    (default ``line_0``, ``line_1``...); ``xname`` labels the x axis.

    As in W&B, a line whose x and y lists differ in length is cut to the shorter one (with a
    warning naming it).

    Example:
        >>> run.log({"losses": heron.plot.line_series(
        ...     xs=[0, 1, 2], ys=[[1.0, 0.6, 0.4], [1.2, 0.9, 0.7]], keys=["train", "val"],
        ...     title="Loss", xname="epoch")})
    """
    y_lines = _lines(ys, "ys")
    if not y_lines:
        raise ValueRejected("heron.plot.line_series: ys holds no line; pass a list of lists "
                            "of y values, one per line")
    x_values = _values(xs, "xs")
    if x_values and all(_is_list(x) for x in x_values):
        x_lines = [_values(x, f"xs[{i}]") for i, x in enumerate(x_values)]
    else:  # one list of x values shared by every line
        x_lines = [x_values] * len(y_lines)
    if len(x_lines) != len(y_lines):
        raise ValueRejected(f"heron.plot.line_series: xs holds {len(x_lines)} lines of x "
                            f"values and ys {len(y_lines)} lines; give one per line, or one "
                            "list shared by all")
    names = [f"line_{i}" for i in range(len(y_lines))] if keys is None else \
        list(_values(keys, "keys"))
    if len(names) != len(y_lines):
        raise ValueRejected(f"heron.plot.line_series: keys names {len(names)} lines ({names}) "
                            f"but ys holds {len(y_lines)}")
    rows: list[list[Any]] = []
    for name, x_line, y_line in zip(names, x_lines, y_lines, strict=True):
        if len(x_line) != len(y_line):
            warnings.warn(f"heron.plot.line_series: line {name!r} has {len(x_line)} x values "
                          f"and {len(y_line)} y values; it is cut to "
                          f"{min(len(x_line), len(y_line))} points",
                          stacklevel=outside_heron())
        rows.extend([x, name, y] for x, y in zip(x_line, y_line, strict=False))
    table = Table(columns=["step", "lineKey", "lineVal"], data=rows)
    return plot_table("wandb/lineseries/v0", table,
                      {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
                      {"title": title, "xname": xname}, split_table)


def _is_list(value: Any) -> bool:
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict))


def _values(value: Any, what: str) -> Sequence[Any]:
    """``value`` (a list, tuple, numpy array, torch tensor...) as a list."""
    if not _is_list(value):
        raise ValueRejected(f"heron.plot.line_series: {what} must be a list of values, got "
                            f"{type_name(value)} {value!r:.60}")
    return value.tolist() if hasattr(value, "tolist") else list(value)


def _lines(value: Any, what: str) -> list[Sequence[Any]]:
    lines = _values(value, what)
    for i, one in enumerate(lines):
        if not _is_list(one):
            raise ValueRejected(f"heron.plot.line_series: {what}[{i}] must be a list of "
                                f"values (one line), got {type_name(one)} {one!r:.60}")
    return [_values(one, f"{what}[{i}]") for i, one in enumerate(lines)]
