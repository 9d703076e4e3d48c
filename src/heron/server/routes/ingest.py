"""Ingest: batches of the SDK's records, and media uploads."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from heron import records as r
from heron.errors import NotFound, PermissionDenied, ValueRejected
from heron.limits import MAX_DEPTH
from heron.media.base import DirectoryMediaWriter
from heron.server.deps import ReadDep, StoreDep, WriteDep
from heron.server.file_responses import stored_file
from heron.server.guard import WriteGuard
from heron.server.names import check_name

router = APIRouter()
MAX_BODY = 64 * 2**20
_SUFFIX = re.compile(r"^[A-Za-z0-9._-]{0,64}$")


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


@router.post("/media")
async def upload_media(request: Request, store: StoreDep, caller: WriteDep,
                       suffix: str = "") -> dict[str, str]:
    if caller.role == "viewer":
        raise PermissionDenied(f"{caller.user!r} is a viewer and cannot upload media")
    if not _SUFFIX.match(suffix):
        raise ValueRejected(f"suffix {suffix!r} may only hold letters, digits, '.', '_', '-'")
    data = await _body(request)
    return {"path": DirectoryMediaWriter(store.media_root).put(data, suffix)}


def safe_media_path(root: Path, relative: str) -> Path:
    """``root/relative`` if it stays inside ``root/media``; ``NotFound`` otherwise (no
    traversal)."""
    base = (root / "media").resolve()
    try:
        target = (root / relative).resolve()
        if target.is_relative_to(base) and target.is_file():
            return target
    except (ValueError, OSError):  # an embedded NUL byte, a name too long for the OS
        pass
    raise NotFound(f"no media file {relative[:200]!r}")


@router.get("/media/{path:path}")
def get_media(path: str, store: StoreDep, caller: ReadDep) -> FileResponse:
    """A stored media file: a reference's ``path`` (``media/ab/...``) is at ``/api/v1/<path>``.

    Inline only when its type is passive (an image, a video, text...); HTML, SVG, scripts and
    unknown types are downloads (``heron.server.file_responses``)."""
    found = safe_media_path(store.media_root, "media/" + path)
    return stored_file(found, found.name)
