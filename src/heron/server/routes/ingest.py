"""Ingest: batches of the SDK's records, and media uploads."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse

from heron import records as r
from heron.errors import NotFound, ValueRejected
from heron.media.base import DirectoryMediaWriter
from heron.server.deps import ReadDep, StoreDep, WriteDep

router = APIRouter()
MAX_BODY = 64 * 2**20
_SUFFIX = re.compile(r"^[A-Za-z0-9._-]{0,64}$")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


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
async def ingest(request: Request, store: StoreDep, caller: WriteDep) -> dict[str, int]:
    """Apply a msgpack list of ``Batch``es; each is one transaction, retries are no-ops."""
    body = await _body(request)
    try:
        batches = r.decode_many(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise HTTPException(400, f"malformed batch list: {exc}") from None
    for batch in batches:
        for name, value in (("project", batch.project), ("run_id", batch.run_id)):
            if not _NAME.match(value):
                raise ValueRejected(f"{name} {value!r} may only hold letters, digits, "
                                    "'_', '-' and '.'")
    from starlette.concurrency import run_in_threadpool

    applied = 0
    for batch in batches:  # a BatchRejected (422) names the batch it refuses
        if await run_in_threadpool(store.write, batch, caller.user):
            applied += 1
    return {"applied": applied, "duplicates": len(batches) - applied}


@router.post("/media")
async def upload_media(request: Request, store: StoreDep, caller: WriteDep,
                       suffix: str = "") -> dict[str, str]:
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
    """A stored media file: a reference's ``path`` (``media/ab/...``) is at ``/api/v1/<path>``."""
    return FileResponse(safe_media_path(store.media_root, "media/" + path))
