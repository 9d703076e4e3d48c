"""Media, histogram and table panels: sampled media rows, table files by the page, and logged
HTML pages for the dashboard's sandboxed frame."""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response

from heron.errors import NotFound, ValueRejected
from heron.server.deps import ReadDep, StoreDep
from heron.server.file_responses import file_headers
from heron.server.guard import ReadGuard
from heron.server.jsonsafe import SafeJSONResponse
from heron.server.routes.common import (
    find_runs,
    run_id_list,
    stream_number,
)
from heron.server.routes.run_table import sort_key
from heron.store import RunInfo
from heron.store.media_storage import MediaStorage, check_media_key

router = APIRouter()


@router.get("/projects/{project}/media", response_class=SafeJSONResponse)
def media_rows(project: str, guard: ReadGuard, key: str = Query(min_length=1),
               runs: str = Query(min_length=1), limit: int = Query(200, ge=1, le=5000),
               stream: str = "history") -> Any:
    """Each run's values of one media key (images, histograms, tables): at most ``limit``
    steps, evenly spread, first and last included. ``total``: how many steps hold a value."""
    from heron.api.history import sample_indices

    stream_no = stream_number(stream)
    store = guard.store
    shown = guard.listed(project)
    infos: list[RunInfo] = []
    if shown is None:  # nothing to see: every run is missing
        missing = run_id_list(runs)
    else:
        infos, missing = find_runs(store, project, run_id_list(runs), shown.entity)
    out = []
    for info in infos:
        s = store.read_series(info.pk, key, stream_no)
        keep = [i for i, v in enumerate(s.values.tolist()) if v is not None]
        chosen = [keep[i] for i in sample_indices(len(keep), limit).tolist()]
        values = s.values[chosen].tolist() if chosen else []
        if any(_named_files(v) for v in values):
            stored = {f.name: f.path for f in store.run_files(info.pk) if f.path}
            values = [_stored_paths(v, stored) for v in values]
        out.append({"id": info.run_id, "total": len(keep),
                    "steps": s.steps[chosen].tolist() if chosen else [], "values": values})
    return SafeJSONResponse({"key": key, "runs": out, "missing": missing})


_CONTENT_PATH = re.compile(r"^media/[0-9a-f]{2}/[0-9a-f]{64}")
"""A stored file's own path (content-addressed), as Heron's SDK logs it."""


def _named_files(value: Any) -> bool:
    """An image list that names its files by the run's file names (the official wandb
    client's ``media/images/k_3_<hash>.png``, uploaded after the row that names them)."""
    return (isinstance(value, dict) and value.get("_type") == "images/separated"
            and any(isinstance(f, str) and not _CONTENT_PATH.match(f)
                    for f in value.get("filenames") or ()))


def _stored_paths(value: Any, stored: dict[str, str]) -> Any:
    """``value`` with each file name its run holds replaced by the stored file's path."""
    if not _named_files(value):
        return value
    return {**value, "filenames": [stored.get(f, f) if isinstance(f, str) else f
                                   for f in value["filenames"]]}


class _TableCache:
    """The last few table files read, parsed (a page of a big table should not re-read it)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self.items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, storage: MediaStorage, rel: str) -> dict[str, Any]:
        """The table in the stored file ``rel`` (content-addressed, so never changed):
        ``NotFound`` when it is not stored, ``ValueRejected`` when it holds no table."""
        stamp = check_media_key(rel)
        with self.lock:
            if stamp in self.items:
                self.items.move_to_end(stamp)
                return self.items[stamp]
        try:
            with storage.open(rel) as source:
                raw = source.read()
        except OSError:
            raise NotFound(f"no media file {rel[-200:]!r}") from None
        try:
            data = json.loads(raw)  # json reads NaN and Infinity back
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ValueRejected("the file is not a table (JSON with columns and data)") from None
        if not (isinstance(data, dict) and isinstance(data.get("columns"), list)
                and isinstance(data.get("data"), list)):
            raise ValueRejected("the file is not a table (JSON with columns and data)")
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
    data = _tables.get(store.media, path)
    columns, rows = data["columns"], data["data"]
    index = list(range(len(rows)))
    if sort is not None:
        if sort >= len(columns):
            raise ValueRejected(f"sort column {sort} is past the table's {len(columns)}")

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


HTML_FRAME_CSP = ("sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; "
                  "style-src 'unsafe-inline'; img-src data:; font-src data:; "
                  "frame-ancestors 'self'")
"""The policy of a logged HTML page shown in the dashboard: ``sandbox`` without
``allow-scripts`` or ``allow-same-origin`` gives it an opaque origin where no script runs
(also when it is opened on its own), it loads nothing from anywhere but may style itself,
links may open a new tab (``<base target="_blank">``, as ``Html(inject=True)`` sets), and only
the dashboard may frame it."""


@router.get("/html/{path:path}")
def html_page(path: str, store: StoreDep, caller: ReadDep) -> Response:
    """A logged ``heron.Html`` page (the ``path`` of its ``html-file`` value, ``media/...``)
    as a page the dashboard frames; every other way of reading a stored HTML file downloads
    it (``heron.server.file_responses``).

    Always sent by the server, also from a bucket: the frame must come from the dashboard's
    origin with this policy, which a presigned URL cannot carry (a page is small)."""
    if not path.endswith(".html"):
        raise ValueRejected(f"{path[:200]!r} is not a logged HTML page (a media/....html path)")
    rel = check_media_key(path)
    headers = {**file_headers(rel.rsplit("/", 1)[-1], "inline"),
               "Content-Security-Policy": HTML_FRAME_CSP, "X-Frame-Options": "SAMEORIGIN"}
    local = store.media.local_path(rel)
    if local is not None:
        return FileResponse(local, media_type="text/html; charset=utf-8", headers=headers)
    with store.media.open(rel) as source:
        page = source.read()
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)
