"""The live feed: Server-Sent Events of new rows, run changes and console lines.

Events come from the store's ``events`` table (written in the same transaction as the data),
so every replica serves the same feed and a client that reconnects with its last event id
misses nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from heron.server.deps import ReadDep, StoreDep
from heron.server.jsonsafe import clean
from heron.server.serialize import run_json
from heron.store import SqlStore

router = APIRouter()
POLL_SECONDS = 0.2
KEEPALIVE_SECONDS = 15.0
_json = msgspec.json.Encoder()


def _frames(store: SqlStore, events: list[tuple[int, int, dict[str, Any]]]) -> list[str]:
    frames: list[str] = []
    runs: dict[int, Any] = {}
    for event_id, run_pk, payload in events:
        if run_pk not in runs:
            runs[run_pk] = store.run_by_pk(run_pk)
        info = runs[run_pk]
        if info is None:
            continue
        base = {"run_id": info.run_id, "project": info.project}
        messages: list[dict[str, Any]] = []
        if payload.get("run"):
            messages.append({"type": "run", "run": run_json(info)})
        if payload.get("history") is not None:
            messages.append({"type": "history", **base, "rows": payload["history"]})
        elif payload.get("history_range") is not None:
            first, last = payload["history_range"]
            messages.append({"type": "history", **base, "rows": None, "first_step": first,
                             "last_step": last})
        if payload.get("console"):
            messages.append({"type": "console", **base, "lines": payload["console"]})
        for message in messages:
            data = _json.encode(clean(message)).decode()
            frames.append(f"id: {event_id}\ndata: {data}\n\n")
    return frames


@router.get("/live")
async def live(request: Request, store: StoreDep, caller: ReadDep,
               project: str | None = None, run: str | None = None,
               cursor: int | None = Query(None, ge=0),
               last_event_id: str | None = Header(None)) -> StreamingResponse:
    """Stream events after ``cursor`` (or ``Last-Event-ID``; by default from now on)."""
    start = cursor
    if start is None and last_event_id and last_event_id.isdigit():
        start = int(last_event_id)
    if start is None:
        start = await run_in_threadpool(store.last_event_id)

    async def stream() -> AsyncIterator[str]:
        after = start
        last_sent = time.monotonic()
        yield f"retry: 1000\nid: {after}\n: connected\n\n"
        while not await request.is_disconnected():
            events = await run_in_threadpool(store.events_after, after, project, run)
            if events:
                after = events[-1][0]
                for frame in await run_in_threadpool(_frames, store, events):
                    yield frame
                last_sent = time.monotonic()
                continue
            if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                last_sent = time.monotonic()
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
