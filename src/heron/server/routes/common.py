"""Helpers the dashboard's routes share: run lists in a query, streams, gzip."""

from __future__ import annotations

import gzip
from typing import Any

import msgspec
from fastapi import Request
from fastapi.responses import Response

from heron.errors import ValueRejected
from heron.server.jsonsafe import clean
from heron.store import RunInfo, Store
from heron.store.buckets import Buckets
from heron.store.models import STREAMS

MAX_RUNS = 500
"""Runs one series or media request may name."""

json_encoder = msgspec.json.Encoder()


def stream_number(stream: str) -> int:
    """The store's number for a stream name, or 422 naming the bad one."""
    if stream not in STREAMS:
        raise ValueRejected(f"stream {stream!r} is not one of {sorted(STREAMS)}")
    return STREAMS[stream]


def lattice(b: Buckets) -> dict[str, Any]:
    """How ``b`` was bucketed, so a chart can merge live points into it exactly: the x range the
    width was chosen for and the width (0: raw points)."""
    return {"lo": clean(b.lo), "hi": clean(b.hi), "width": clean(b.width)}


def run_id_list(runs: str) -> list[str]:
    """``runs=a,b,c`` as a list without repeats; 422 when empty or too long."""
    ids = list(dict.fromkeys(r for r in runs.split(",") if r))
    if not ids:
        raise ValueRejected("runs must name at least one run id (runs=a,b,c)")
    if len(ids) > MAX_RUNS:
        raise ValueRejected(f"{len(ids)} runs asked for; at most {MAX_RUNS} at a time")
    return ids


def find_runs(store: Store, project: str, ids: list[str], entity: str
              ) -> tuple[list[RunInfo], list[str]]:
    """The runs of ``ids`` that exist in ``entity``'s project, and the ids that do not."""
    found, missing = [], []
    for run_id in ids:
        info = store.get_run(project, run_id, entity or None)
        if info is None or info.entity != entity:
            missing.append(run_id)
        else:
            found.append(info)
    return found, missing


def compressed(request: Request, body: bytes, media_type: str) -> Response:
    """``body``, gzipped when it is large and the client accepts gzip."""
    if len(body) > 8192 and "gzip" in request.headers.get("accept-encoding", ""):
        return Response(gzip.compress(body, compresslevel=1), media_type=media_type,
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body, media_type=media_type, headers={"Vary": "Accept-Encoding"})
