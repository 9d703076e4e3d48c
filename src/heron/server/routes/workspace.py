"""What the dashboard's pages ask in one request: many runs' chart buckets, the runs table
filtered and sorted, sampled media rows, table files by page, and a sweep's parameter analysis.

The browser draws; the server decides which runs match, in which order, which points a chart
gets, and which parameters matter (STYLE.md: no business logic in the browser).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal

import msgspec
import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from heron.errors import SweepConfigError, UsageError
from heron.server.deps import ReadDep, StoreDep
from heron.server.jsonsafe import SafeJSONResponse, floats
from heron.server.routes.ingest import safe_media_path
from heron.store import RunInfo, SqlStore, queries
from heron.store.buckets import Buckets, as_float, bucket
from heron.store.models import STREAMS, Series
from heron.store.schema import projects as projects_table
from heron.store.schema import runs as runs_table

router = APIRouter()

MAX_RUNS = 500
"""Runs one series or media request may name."""

_json = msgspec.json.Encoder()


def _stream(stream: str) -> int:
    if stream not in STREAMS:
        raise HTTPException(422, f"stream {stream!r} is not one of {sorted(STREAMS)}")
    return STREAMS[stream]


def _run_ids(runs: str) -> list[str]:
    ids = list(dict.fromkeys(r for r in runs.split(",") if r))
    if not ids:
        raise HTTPException(422, "runs must name at least one run id (runs=a,b,c)")
    if len(ids) > MAX_RUNS:
        raise HTTPException(422, f"{len(ids)} runs asked for; at most {MAX_RUNS} at a time")
    return ids


def _find_runs(store: SqlStore, project: str, ids: list[str]) -> tuple[list[RunInfo], list[str]]:
    found, missing = [], []
    for run_id in ids:
        info = store.get_run(project, run_id)
        if info is None:
            missing.append(run_id)
        else:
            found.append(info)
    return found, missing


# -- many runs' chart buckets ------------------------------------------------------------------

MAGIC = b"HSB1"


def _x_array(x: np.ndarray) -> tuple[str, bytes]:
    """Steps as int32 when they fit (most charts), else float64 (wall time, runtime, metrics)."""
    if x.size and bool(np.all(np.isfinite(x))) and bool(np.all(x == np.round(x))) and (
            float(np.abs(x).max()) < 2**31):
        return "i4", x.astype("<i4").tobytes()
    return "f8", x.astype("<f8").tobytes()


def _y_array(y: np.ndarray) -> tuple[str, bytes]:
    """Values as float32 (a chart's precision, half the bytes) unless they overflow it."""
    finite = y[np.isfinite(y)]
    if finite.size and float(np.abs(finite).max()) > 3.0e38:
        return "f8", y.astype("<f8").tobytes()
    return "f4", y.astype("<f4").tobytes()


def encode_binary(key: str, x: str, results: list[tuple[str, Buckets, int]],
                  missing: list[str]) -> bytes:
    """The binary series format: ``HSB1``, a uint32 header length, a JSON header padded to 8
    bytes, then little-endian arrays, each at an 8-byte-aligned offset the header gives.

    A run whose buckets each hold one point sends ``x`` and ``last`` only (min = max = last).
    """
    blobs: list[bytes] = []
    offset = 0
    runs = []

    def add(kind: str, data: bytes) -> list[Any]:
        nonlocal offset
        at = offset
        pad = (-len(data)) % 8
        blobs.append(data + b"\0" * pad)
        offset += len(data) + pad
        return [at, kind]

    for run_id, b, cursor in results:
        entry: dict[str, Any] = {"id": run_id, "total": b.total, "cursor": cursor,
                                 "n": int(b.x.shape[0])}
        entry["x"] = add(*_x_array(np.asarray(b.x, dtype=np.float64)))
        entry["last"] = add(*_y_array(np.asarray(b.last, dtype=np.float64)))
        if b.count.size and int(b.count.max()) > 1:
            entry["min"] = add(*_y_array(np.asarray(b.min, dtype=np.float64)))
            entry["max"] = add(*_y_array(np.asarray(b.max, dtype=np.float64)))
            entry["count"] = add("i4", b.count.astype("<i4").tobytes())
        runs.append(entry)
    header = _json.encode({"key": key, "x": x, "runs": runs, "missing": missing})
    header += b" " * ((-(8 + len(header))) % 8)
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(blobs)


def _compressed(request: Request, body: bytes, media_type: str) -> Response:
    if len(body) > 8192 and "gzip" in request.headers.get("accept-encoding", ""):
        return Response(gzip.compress(body, compresslevel=1), media_type=media_type,
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body, media_type=media_type, headers={"Vary": "Accept-Encoding"})


def _run_pks(conn: Connection, project: str, ids: list[str]) -> dict[str, int]:
    """Run id -> primary key for those of ``ids`` in ``project``: one query for them all."""
    query = (select(runs_table.c.id, runs_table.c.run_id)
             .join(projects_table, projects_table.c.id == runs_table.c.project_id)
             .where(projects_table.c.name == project, runs_table.c.run_id.in_(ids)))
    return {run_id: pk for pk, run_id in conn.execute(query)}


def _align(xs: Series, ys: Series) -> tuple[np.ndarray, Series]:
    """Pair each y point with the x logged at the same step (points without one are dropped)."""
    if not len(xs):
        return np.empty(0), Series(ys.key, ys.steps[:0], ys.values[:0])
    at = np.minimum(np.searchsorted(xs.steps, ys.steps), len(xs) - 1)
    found = xs.steps[at] == ys.steps
    return as_float(xs.values[at[found]]), Series(ys.key, ys.steps[found], ys.values[found])


def series_in(conn: Connection, run_pk: int, key: str, x: str, points: int,
              x_min: float | None, x_max: float | None, stream: int) -> tuple[Buckets, int]:
    """``SqlStore.series`` (without ``after``) on an open connection, so that one request for
    many runs pays for one connection: a chart of 20 runs is read about four times faster."""
    if x_min is not None and not math.isfinite(x_min):
        if not x_min < 0:
            return bucket(np.empty(0), np.empty(0), points), 0
        x_min = None
    if x_max is not None and not math.isfinite(x_max):
        if not x_max > 0:
            return bucket(np.empty(0), np.empty(0), points), 0
        x_max = None
    min_step = max_step = None
    if x == "_step":
        min_step = math.floor(x_min) if x_min is not None else None
        max_step = math.floor(x_max) + 1 if x_max is not None else None
    ys = queries.read_series(conn, run_pk, key, stream, min_step, max_step)
    if x == "_step":
        xs = ys.steps
    else:
        xs, ys = _align(queries.read_series(conn, run_pk, x, stream), ys)
    cursor = int(ys.steps.max()) + 1 if len(ys) else 0
    return bucket(xs, ys.values, points, x_min, x_max), cursor


@router.get("/projects/{project}/series")
def project_series(request: Request, project: str, store: StoreDep, caller: ReadDep,
                   key: str = Query(min_length=1), runs: str = Query(min_length=1),
                   x: str = "_step", points: int = Query(1000, ge=1, le=100_000),
                   x_min: float | None = None, x_max: float | None = None,
                   stream: str = "history",
                   format: Literal["json", "binary"] = "json") -> Response:
    """One metric of many runs as chart buckets, in one response: what a chart panel draws.

    Each run's buckets are those of ``/runs/{id}/series`` (x, min, max, last, count).
    ``format=binary`` sends them as typed arrays (see ``encode_binary``): a quarter of the bytes
    of JSON, and no parsing in the browser.
    """
    stream_no = _stream(stream)
    ids = _run_ids(runs)
    results: list[tuple[str, Buckets, int]] = []
    with store.reading() as conn:
        pks = _run_pks(conn, project, ids)
        for run_id in ids:
            if run_id in pks:
                buckets, cursor = series_in(conn, pks[run_id], key, x, points, x_min, x_max,
                                            stream_no)
                results.append((run_id, buckets, cursor))
    missing = [run_id for run_id in ids if run_id not in pks]
    if format == "binary":
        return _compressed(request, encode_binary(key, x, results, missing),
                           "application/x-heron-series")
    body = _json.encode({"key": key, "x": x, "missing": missing, "runs": [
        {"id": run_id, "total": b.total, "cursor": cursor,
         "buckets": {"x": floats(b.x), "min": floats(b.min), "max": floats(b.max),
                     "last": floats(b.last), "count": b.count.tolist()}}
        for run_id, b, cursor in results]})
    return _compressed(request, body, "application/json")


# -- the runs table: filter and sort on the server ---------------------------------------------

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


def flatten(obj: dict[str, Any], prefix: str = "", out: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    """Nested dicts as dotted keys (``optimizer.lr``), as the table shows them; logged media
    values (dicts with a ``_type``) stay whole."""
    out = {} if out is None else out
    for k, v in obj.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v and "_type" not in v:
            flatten(v, key, out)
        else:
            out[key] = v
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


def _text(v: Any) -> str:
    if isinstance(v, str):
        return v
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
    return _compare(op, _text(v).lower(), value.lower())


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
    return (1, _natural(_text(v)))


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
def run_ids(project: str, store: StoreDep, caller: ReadDep, filter: str = "",
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
        raise HTTPException(422, "filter is longer than 2000 characters")
    now = time.time()
    infos = store.list_runs(project)
    conds, words = parse_filter(filter)
    views = [RunView(i, now) for i in infos]
    views = [v for v in views if (not state or v.info.state == state)
             and (not tag or tag in v.info.tags) and run_matches(v, conds, words)]
    views = order_views(views, sort or None, order == "desc", group or None)
    return SafeJSONResponse({"ids": [v.info.run_id for v in views], "total": len(infos),
                             "sort": sort or None, "order": order, "group": group or None})


# -- media, histogram and table rows, sampled ------------------------------------------------

@router.get("/projects/{project}/media", response_class=SafeJSONResponse)
def media_rows(project: str, store: StoreDep, caller: ReadDep, key: str = Query(min_length=1),
               runs: str = Query(min_length=1), limit: int = Query(200, ge=1, le=5000),
               stream: str = "history") -> Any:
    """Each run's values of one media key (images, histograms, tables): at most ``limit``
    steps, evenly spread, first and last included. ``total``: how many steps hold a value."""
    from heron.api.history import sample_indices

    stream_no = _stream(stream)
    infos, missing = _find_runs(store, project, _run_ids(runs))
    out = []
    for info in infos:
        s = store.read_series(info.pk, key, stream_no)
        keep = [i for i, v in enumerate(s.values.tolist()) if v is not None]
        chosen = [keep[i] for i in sample_indices(len(keep), limit).tolist()]
        out.append({"id": info.run_id, "total": len(keep),
                    "steps": s.steps[chosen].tolist() if chosen else [],
                    "values": s.values[chosen].tolist() if chosen else []})
    return SafeJSONResponse({"key": key, "runs": out, "missing": missing})


class _TableCache:
    """The last few table files read, parsed (a page of a big table should not re-read it)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.items: OrderedDict[tuple[str, float], dict[str, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, path: Any) -> dict[str, Any]:
        stamp = (str(path), path.stat().st_mtime)
        with self.lock:
            if stamp in self.items:
                self.items.move_to_end(stamp)
                return self.items[stamp]
        try:
            data = json.loads(path.read_bytes())  # json reads NaN and Infinity back
        except (ValueError, UnicodeDecodeError):
            raise HTTPException(422, "the file is not a table (JSON with columns and data)")
        if not (isinstance(data, dict) and isinstance(data.get("columns"), list)
                and isinstance(data.get("data"), list)):
            raise HTTPException(422, "the file is not a table (JSON with columns and data)")
        with self.lock:
            self.items[stamp] = data
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return data


_tables = _TableCache()


@router.get("/tables", response_class=SafeJSONResponse)
def table_page(store: StoreDep, caller: ReadDep, path: str = Query(min_length=1),
               offset: int = Query(0, ge=0, le=10**9), limit: int = Query(20, ge=1, le=1000),
               sort: int | None = Query(None, ge=0, le=10**6),
               order: Literal["asc", "desc"] = "asc") -> Any:
    """One page of a logged ``heron.Table`` (the ``path`` of its ``table-file`` value), sorted
    by column number ``sort``: ``{"columns", "total", "rows": [{"index", "cells"}]}``."""
    try:
        data = _tables.get(safe_media_path(store.media_root, path))
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte...
        raise HTTPException(404, f"no media file {path[:200]!r}") from None
    columns, rows = data["columns"], data["data"]
    index = list(range(len(rows)))
    if sort is not None:
        if sort >= len(columns):
            raise HTTPException(422, f"sort column {sort} is past the table's {len(columns)}")

        def cell(i: int) -> Any:
            row = rows[i]
            return row[sort] if isinstance(row, list) and sort < len(row) else None

        present = [i for i in index if cell(i) is not None]
        absent = [i for i in index if cell(i) is None]
        present.sort(key=lambda i: sort_key(cell(i)), reverse=order == "desc")
        index = present + absent
    page = index[offset:offset + limit]
    return SafeJSONResponse({"columns": columns, "total": len(rows),
                             "rows": [{"index": i, "cells": rows[i]} for i in page]})


# -- sweeps: which parameters matter ------------------------------------------------------------

def _flat_params(params: dict[str, Any]) -> dict[str, Any]:
    return flatten(params)


def _importance(names: list[str], rows: list[dict[str, Any]], values: list[float],
                forest: bool = True) -> list[dict[str, Any]]:
    """Correlation of each numeric parameter with the metric, and (``forest``) a random
    forest's importance of every parameter (categorical ones one-hot encoded, their columns'
    importances summed)."""
    y = np.asarray(values, dtype=np.float64)
    columns: list[np.ndarray] = []
    owner: list[int] = []
    out: list[dict[str, Any]] = []
    for j, name in enumerate(names):
        raw = [r.get(name) for r in rows]
        nums = [float(v) for v in raw if isinstance(v, (int, float)) and math.isfinite(v)]
        numeric = len(nums) == len(raw)
        entry: dict[str, Any] = {"name": name, "kind": "number" if numeric else "category",
                                 "correlation": None, "importance": None}
        if numeric:
            col = np.asarray(nums)
            if len(y) >= 2 and np.std(col) > 0 and np.std(y) > 0:
                entry["correlation"] = float(np.corrcoef(col, y)[0, 1])
            columns.append(col)
            owner.append(j)
        else:
            labels = [_text(v) for v in raw]
            for level in sorted(set(labels)):
                columns.append(np.asarray([1.0 if v == level else 0.0 for v in labels]))
                owner.append(j)
        out.append(entry)
    if forest and len(y) >= 3 and columns and np.std(y) > 0:
        from sklearn.ensemble import RandomForestRegressor

        X = np.column_stack(columns)
        model = RandomForestRegressor(n_estimators=100, random_state=0, n_jobs=1)
        model.fit(X, y)
        total = np.zeros(len(names))
        for index, weight in zip(owner, model.feature_importances_):
            total[index] += weight
        for j, entry in enumerate(out):
            entry["importance"] = float(total[j])
    out.sort(key=lambda e: (e["importance"] is None, -(e["importance"] or 0.0),
                            -abs(e["correlation"] or 0.0)))
    return out


_analyses: OrderedDict[str, tuple[bytes, list[dict[str, Any]]]] = OrderedDict()
_analyses_lock = threading.Lock()


@router.get("/sweeps/{sweep_id}/analysis", response_class=SafeJSONResponse)
async def sweep_analysis(sweep_id: str, store: StoreDep, caller: ReadDep,
                         importance: bool = True) -> Any:
    """The sweep's runs ranked by its metric, the best value so far in creation order, and each
    parameter's correlation with the metric and random-forest importance (``importance=false``:
    without the forest, which takes a second the first time scikit-learn loads, unless its
    figures for these runs are already at hand)."""
    from heron.sweeps.controller import SweepController

    try:
        sweep = await run_in_threadpool(SweepController(store).describe, sweep_id)
    except (UsageError, SweepConfigError) as exc:
        status = 404 if str(exc).startswith("no sweep") else 422
        raise HTTPException(status, str(exc)) from None
    metric = sweep.get("metric") or {}
    goal = metric.get("goal") or "minimize"
    runs = sorted(sweep["runs"], key=lambda r: r["created_at"])
    scored = [r for r in runs if isinstance(r.get("value"), (int, float))
              and math.isfinite(r["value"])]
    sign = -1.0 if goal == "maximize" else 1.0
    ranking = [r["id"] for r in sorted(scored, key=lambda r: sign * r["value"])]
    progress, best = [], None
    for r in runs:
        v = r.get("value")
        if isinstance(v, (int, float)) and math.isfinite(v) and (
                best is None or sign * v < sign * best):
            best = v
        progress.append({"id": r["id"], "value": v, "best": best})
    rows = [_flat_params(r.get("params") or {}) for r in scored]
    names = sorted({k for row in rows for k in row})
    values = [float(r["value"]) for r in scored]
    stamp = _json.encode([names, rows, values])
    with _analyses_lock:
        cached = _analyses.get(sweep_id)
    if cached is not None and cached[0] == stamp:
        params = cached[1]
    elif not importance:
        params = _importance(names, rows, values, forest=False)
    else:
        params = await run_in_threadpool(_importance, names, rows, values)
        with _analyses_lock:
            _analyses[sweep_id] = (stamp, params)
            while len(_analyses) > 32:
                _analyses.popitem(last=False)
    return SafeJSONResponse({"metric": metric.get("name"), "goal": goal, "runs_used": len(scored),
                             "params": params, "ranking": ranking, "progress": progress})
