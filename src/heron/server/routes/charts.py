"""Many runs' chart buckets in one request: what one chart panel draws."""

from __future__ import annotations

import struct
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from heron.server.guard import ReadGuard
from heron.server.jsonsafe import floats
from heron.server.routes.common import (
    compressed,
    json_encoder,
    lattice,
    run_id_list,
    stream_number,
)
from heron.store.buckets import Buckets

router = APIRouter()

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
    Each run's header entry also says how it was bucketed (``lo``, ``hi``, ``width``).
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
                                 "n": int(b.x.shape[0]), **lattice(b)}
        entry["x"] = add(*_x_array(np.asarray(b.x, dtype=np.float64)))
        entry["last"] = add(*_y_array(np.asarray(b.last, dtype=np.float64)))
        if b.count.size and int(b.count.max()) > 1:
            entry["min"] = add(*_y_array(np.asarray(b.min, dtype=np.float64)))
            entry["max"] = add(*_y_array(np.asarray(b.max, dtype=np.float64)))
            entry["count"] = add("i4", b.count.astype("<i4").tobytes())
        runs.append(entry)
    header = json_encoder.encode({"key": key, "x": x, "runs": runs, "missing": missing})
    header += b" " * ((-(8 + len(header))) % 8)
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(blobs)


@router.get("/projects/{project}/series")
def project_series(request: Request, project: str, guard: ReadGuard,
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
    ids = run_id_list(runs)
    results: list[tuple[str, Buckets, int]] = []
    missing = ids
    shown = guard.listed(project)
    if shown is not None:  # else nothing to see: every run is missing
        results, missing = guard.store.project_series(project, ids, key, x, points, x_min,
                                                      x_max, stream_number(stream),
                                                      entity=shown.entity)
    if format == "binary":
        return compressed(request, encode_binary(key, x, results, missing),
                           "application/x-heron-series")
    body = json_encoder.encode({"key": key, "x": x, "missing": missing, "runs": [
        {"id": run_id, "total": b.total, "cursor": cursor, **lattice(b),
         "buckets": {"x": floats(b.x), "min": floats(b.min), "max": floats(b.max),
                     "last": floats(b.last), "count": b.count.tolist()}}
        for run_id, b, cursor in results]})
    return compressed(request, body, "application/json")


