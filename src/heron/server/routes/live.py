"""The live feed: Server-Sent Events of new rows, run changes and console lines.

Events come from the store's ``events`` table (written in the same transaction as the data),
so every replica serves the same feed and a client that reconnects with its last event id
misses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from heron.errors import AuthError
from heron.server import permissions as p
from heron.server.guard import Guard, ReadGuard
from heron.server.jsonsafe import clean
from heron.server.serialize import run_json
from heron.store import RunInfo, SqlStore

router = APIRouter()
POLL_SECONDS = 0.2
KEEPALIVE_SECONDS = 15.0
_json = msgspec.json.Encoder()
log = logging.getLogger("heron.server")


def _frames(store: SqlStore, events: list[tuple[int, int, dict[str, Any]]],
            sees: Callable[[RunInfo], bool] | None = None) -> list[str]:
    """The SSE frames of ``events``, leaving out runs ``sees`` says the caller may not see."""
    frames: list[str] = []
    runs: dict[int, Any] = {}
    for event_id, run_pk, payload in events:
        if run_pk not in runs:
            runs[run_pk] = store.run_by_pk(run_pk)
        info = runs[run_pk]
        if info is None or (sees is not None and not sees(info)):
            continue
        try:
            frames.extend(_event_frames(event_id, info, payload))
        except Exception:
            # An event that cannot be shown must not end the stream: the browser would
            # reconnect with the id before it and fail on the same event forever, and the
            # project's whole feed with it. Its id is still sent, so the cursor moves on.
            log.exception("heron: live event %s of run %s cannot be shown", event_id,
                          info.run_id)
            frames.append(f"id: {event_id}\n: event {event_id} cannot be shown\n\n")
    return frames


def _event_frames(event_id: int, info: RunInfo, payload: dict[str, Any]) -> list[str]:
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
    # clean() cuts values nested too deep (stored before the limit) and NaN/Inf for JSON.
    return [f"id: {event_id}\ndata: {_json.encode(clean(message)).decode()}\n\n"
            for message in messages]


def _seen_by(guard: Guard) -> Callable[[RunInfo], bool]:
    def sees(info: RunInfo) -> bool:
        access = guard.cache.find(info.entity, info.project)
        return access is not None and guard.level(access) >= p.READ
    return sees


class _Shown:
    """Whose project of that name a feed streams: found once, looked for at most once a
    second until then (a project the caller may not see, or not made yet, streams nothing,
    like one with no runs yet)."""

    def __init__(self, guard: Guard, project: str) -> None:
        self.guard, self.project = guard, project
        self.found: str | None = None
        self.looked = -1e9

    def look(self) -> str | None:
        if time.monotonic() - self.looked >= 1.0:
            self.looked = time.monotonic()
            shown = self.guard.listed(self.project)
            self.found = shown.entity if shown is not None else None
        return self.found


@router.get("/live")
async def live(request: Request, guard: ReadGuard, project: str | None = None,
               run: str | None = None, cursor: int | None = Query(None, ge=0),
               last_event_id: str | None = Header(None)) -> StreamingResponse:
    """Stream events after ``cursor`` (or ``Last-Event-ID``; by default from now on) of the
    runs the caller sees (of ``project``: the one the ``entity`` parameter names, else the
    one ``/projects/{project}/runs`` lists); the stream ends when the caller's key or
    session does."""
    store = guard.store
    # A project the caller may not see streams nothing, like one with no runs yet.
    sees = None if guard.sees_everything else _seen_by(guard)
    start = cursor
    if start is None and last_event_id and last_event_id.isdigit():
        start = int(last_event_id)
    if start is None:
        start = await run_in_threadpool(store.last_event_id)

    async def stream() -> AsyncIterator[str]:
        after = start
        last_sent = time.monotonic()
        shown = _Shown(guard, project or "")
        yield f"retry: 1000\nid: {after}\n: connected\n\n"
        while not await request.is_disconnected():
            try:  # cached for a second: a revoked key or ended session stops the stream
                await run_in_threadpool(request.app.state.auth.caller, request, False)
            except AuthError:
                return
            entity = shown.found
            if project is not None and entity is None:
                entity = await run_in_threadpool(shown.look)
            events = [] if project is not None and entity is None else await run_in_threadpool(
                store.events_after, after, project, run, 200, entity)
            if events:
                after = events[-1][0]
                for frame in await run_in_threadpool(_frames, store, events, sees):
                    yield frame
                last_sent = time.monotonic()
                continue
            if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                last_sent = time.monotonic()
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
