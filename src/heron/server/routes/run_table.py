"""The runs table, filtered and sorted on the server (STYLE.md: no business logic in the
browser)."""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter

from heron.errors import ValueRejected
from heron.limits import MAX_DEPTH, cut_deep
from heron.server.guard import ReadGuard
from heron.server.jsonsafe import SafeJSONResponse
from heron.store import RunInfo

router = APIRouter()

_EXPR = re.compile(r"([A-Za-z_][\w./\-]*)\s*(>=|<=|!=|==|=|>|<|~)\s*(\"[^\"]*\"|'[^']*'|[^\s\"']+)")
_COLON = re.compile(r"\b(state|tag|tags|user|host|group|name|job_type|id):(\"[^\"]*\"|\S+)",
                    re.IGNORECASE)
_MISSING = object()


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'" else s


def parse_filter(text: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """``lr > 0.01 tag:x state:running name ~ foo words`` -> (conditions, free words)."""
    conds: list[tuple[str, str, str]] = []

    def expr(m: re.Match[str]) -> str:
        op = "=" if m.group(2) == "==" else m.group(2)
        conds.append((m.group(1), op, _unquote(m.group(3))))
        return " "

    def colon(m: re.Match[str]) -> str:
        key = m.group(1).lower()
        key = "tag" if key == "tags" else key
        conds.append((key, "~" if key == "name" else "=", _unquote(m.group(2))))
        return " "

    rest = _COLON.sub(colon, _EXPR.sub(expr, text))
    words = [w.lower() for w in rest.split() if w.lower() not in ("and", "&&", ",")]
    return conds, words


def flatten(obj: dict[str, Any], prefix: str = "", out: dict[str, Any] | None = None,
            levels: int = MAX_DEPTH) -> dict[str, Any]:
    """Nested dicts as dotted keys (``optimizer.lr``), as the table shows them; logged media
    values (dicts with a ``_type``) stay whole. Past ``levels`` of nesting (a run stored
    before the depth limit) the rest is cut (``heron.limits.cut_deep``)."""
    out = {} if out is None else out
    for k, v in obj.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v and "_type" not in v and levels > 1:
            flatten(v, key, out, levels - 1)
        else:
            out[key] = cut_deep(v, levels)
    return out


class RunView:
    """A run as the table filters and sorts it: built-in fields, flat config and summary."""

    def __init__(self, info: RunInfo, now: float) -> None:
        self.info = info
        self.config = flatten(info.config)
        self.summary = flatten(info.summary)
        end = info.ended_at or (info.heartbeat_at if info.state != "running" else now)
        runtime = max(0.0, end - info.created_at)
        if info.state == "running":
            runtime = max(runtime, now - info.created_at)
        self.builtin: dict[str, Any] = {
            "name": info.name, "id": info.run_id, "state": info.state, "user": info.user,
            "host": info.host, "group": info.group, "job_type": info.job_type,
            "notes": info.notes, "runtime": runtime, "created": info.created_at,
            "created_at": info.created_at, "step": info.last_step if info.history_rows else None,
            "last_step": info.last_step if info.history_rows else None,
            "tags": ",".join(info.tags),
        }

    def value(self, key: str) -> Any:
        if key in self.builtin and key != "tags":
            return self.builtin[key]
        if key.startswith("config.") and key[7:] in self.config:
            return self.config[key[7:]]
        if key.startswith("summary.") and key[8:] in self.summary:
            return self.summary[key[8:]]
        if key in self.config:
            return self.config[key]
        if key in self.summary:
            return self.summary[key]
        return _MISSING

    def column(self, column: str) -> Any:
        """The value of a table column id: ``name``, ``config:lr``, ``summary:val/loss``..."""
        kind, _, key = column.partition(":")
        if kind == "config" and key:
            return self.config.get(key, _MISSING)
        if kind == "summary" and key:
            return self.summary.get(key, _MISSING)
        return self.builtin.get(column, _MISSING)

    def haystack(self) -> str:
        i = self.info
        parts = [i.name, i.run_id, i.user, i.host, i.group, i.job_type, *i.tags]
        return " ".join(p for p in parts if p).lower()


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and v.strip():
        try:
            return float(v)
        except ValueError:
            return None
    return None


def text_of(v: Any) -> str:
    if isinstance(v, str):
        return v
    # Values are cut at MAX_DEPTH by flatten, well within json's recursion limit.
    return json.dumps(v, separators=(",", ":"), default=str)


def _compare(op: str, a: Any, b: Any) -> bool:
    """``a op b`` for two numbers or two strings (``~``: ``a`` contains ``b``)."""
    if op == "~":
        return bool(b in a)
    return bool(_OPS[op](a, b))


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def _holds(view: RunView, key: str, op: str, value: str) -> bool:
    if key == "tag":
        want = value.lower()
        tags = [t.lower() for t in view.info.tags]
        has = any(want in t for t in tags) if op == "~" else want in tags
        return not has if op == "!=" else has
    v = view.value(key)
    if v is _MISSING:
        return op == "!="
    a, b = _as_number(v), _as_number(value)
    if a is not None and b is not None and op != "~":
        return _compare(op, a, b)
    return _compare(op, text_of(v).lower(), value.lower())


def run_matches(view: RunView, conds: list[tuple[str, str, str]], words: list[str]) -> bool:
    if not all(_holds(view, *c) for c in conds):
        return False
    if words:
        hay = view.haystack()
        return all(w in hay for w in words)
    return True


_DIGITS = re.compile(r"(\d+)")


def _natural(s: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p.lower() for p in _DIGITS.split(s) if p)


def sort_key(v: Any) -> tuple[Any, ...]:
    """Numbers by value, text naturally (``run-2`` before ``run-10``), other values as JSON."""
    if isinstance(v, (bool, int, float)):
        f = float(v)
        return (0, 0 if not math.isnan(f) else 1, 0.0 if math.isnan(f) else f)
    return (1, _natural(text_of(v)))


def order_views(views: list[RunView], sort: str | None, descending: bool,
                group: str | None) -> list[RunView]:
    """Sorted by ``sort`` (missing values last either way), grouped by a config key first."""
    if sort:
        present = [v for v in views if v.column(sort) not in (_MISSING, None)]
        absent = [v for v in views if v.column(sort) in (_MISSING, None)]
        present.sort(key=lambda v: sort_key(v.column(sort)), reverse=descending)
        views = present + absent
    if group:
        key = f"config:{group}"
        present = [v for v in views if v.column(key) is not _MISSING]
        absent = [v for v in views if v.column(key) is _MISSING]
        present.sort(key=lambda v: sort_key(v.column(key)))  # stable: keeps the order within
        views = present + absent
    return views


@router.get("/projects/{project}/run-ids", response_class=SafeJSONResponse)
def run_ids(project: str, guard: ReadGuard, filter: str = "",
            state: str = "", tag: str = "", sort: str = "",
            order: Literal["asc", "desc"] = "asc", group: str = "") -> Any:
    """The ids of the project's runs that match, in table order (newest first by default).

    ``filter``: free words (name, id, tags, user, host, group) and conditions such as
    ``lr > 0.01``, ``optimizer.name = adam``, ``summary.val/loss < 0.3``, ``name ~ sweep``,
    ``state:running``, ``tag:baseline`` (docs/dashboard.md). ``sort``: a column id (``name``,
    ``state``, ``created``, ``runtime``, ``tags``, ``user``, ``host``, ``step``, ``config:KEY``,
    ``summary:KEY``). ``group``: a config key whose values come first in the order.
    """
    if len(filter) > 2000:
        raise ValueRejected("filter is longer than 2000 characters")
    now = time.time()
    chosen = guard.listed(project)
    infos = [i for i in guard.store.list_runs(project)
             if chosen is not None and i.entity == chosen.entity]
    conds, words = parse_filter(filter)
    views = [RunView(i, now) for i in infos]
    views = [v for v in views if (not state or v.info.state == state)
             and (not tag or tag in v.info.tags) and run_matches(v, conds, words)]
    views = order_views(views, sort or None, order == "desc", group or None)
    return SafeJSONResponse({"ids": [v.info.run_id for v in views], "total": len(infos),
                             "sort": sort or None, "order": order, "group": group or None})



