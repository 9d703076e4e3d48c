"""Ingest: batches of the SDK's records (media files go to ``routes/media.py``)."""

from __future__ import annotations

import msgspec
from fastapi import APIRouter, HTTPException, Request

from heron import records as r
from heron.errors import ValueRejected
from heron.limits import MAX_DEPTH
from heron.server.guard import WriteGuard
from heron.server.names import check_name

router = APIRouter()
MAX_BODY = 64 * 2**20


async def _body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise HTTPException(413, f"body of {length} bytes is over the limit of {MAX_BODY}")
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_BODY:
            raise HTTPException(413, f"body is over the limit of {MAX_BODY} bytes")
    return bytes(data)


@router.post("/ingest")
async def ingest(request: Request, guard: WriteGuard) -> dict[str, int]:
    """Apply a msgpack list of ``Batch``es; each is one transaction, retries are no-ops."""
    body = await _body(request)
    try:
        batches = r.decode_many(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise HTTPException(400, f"malformed batch list: {exc}") from None
    except RecursionError:
        # msgspec stops where Python's recursion limit does (about 1,000 levels), far past
        # the limit; which batch or key holds the value cannot be known without reading it.
        raise ValueRejected(f"the batch list nests lists or maps too deep to read; a value "
                            f"may nest at most {MAX_DEPTH} levels") from None
    for batch in batches:
        check_name("project", batch.project)
        check_name("run_id", batch.run_id)
    from starlette.concurrency import run_in_threadpool

    for batch in batches:  # 403 or 404 before anything is written
        await run_in_threadpool(guard.check_batch, batch)
    applied = 0
    for batch in batches:  # a BatchRejected (422) names the batch it refuses
        if await run_in_threadpool(guard.store.write, batch, guard.caller.user):
            applied += 1
    return {"applied": applied, "duplicates": len(batches) - applied}
