"""What every W&B route needs: the caller (W&B's Basic ``api:KEY``), the store, access checks,
request bodies, and errors in the shapes the client reads."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from heron.errors import Error
from heron.server.auth import Authenticator, Caller, key_from
from heron.server.errors import STATUS
from heron.server.guard import Guard
from heron.server.routes.ingest import MAX_BODY
from heron.store import SqlStore


class BadRequest(Error):
    """A body the W&B client would never send: 400, naming what is wrong."""


@dataclass
class Context:
    """One W&B request: who calls, and the guard that checks their rights."""

    request: Request
    guard: Guard

    @property
    def caller(self) -> Caller:
        return self.guard.caller

    @property
    def store(self) -> SqlStore:
        return self.guard.store

    @property
    def user_agent(self) -> str:
        return self.request.headers.get("user-agent", "?")[:200]


def caller_of(request: Request) -> Caller:
    """The key's user. On ``heron ui`` (open access, no users) any key is welcome: the client
    insists on sending one, and the failed-key limit must not count it."""
    auth: Authenticator = request.app.state.auth
    if request.app.state.access == "open":
        key = key_from(request)
        found = auth.principal_for_key(key) if key else None
        if found is None:
            return Caller(user=None, role=None, open=True)
        return Caller(user=found.user, role=found.role, teams=found.teams, via="key",
                      key_id=found.key_id)
    return auth.caller(request, write=True)


def context(request: Request) -> Context:
    """``AuthError`` (401) for a missing or wrong key."""
    store: SqlStore = request.app.state.store
    return Context(request, Guard(store, caller_of(request), request.app.state.access_cache))


def status_of(exc: Exception) -> int:
    if isinstance(exc, BadRequest):
        return 400
    if isinstance(exc, HTTPException):
        return exc.status_code
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def graphql_error(exc: Exception | str, status: int = 200) -> JSONResponse:
    """An answer the client reads ``errors[0].message`` from (and shows, on a 401)."""
    message = exc if isinstance(exc, str) else (
        exc.detail if isinstance(exc, HTTPException) else str(exc))
    return JSONResponse({"errors": [{"message": message}], "data": None}, status_code=status)


async def read_body(request: Request) -> bytes:
    """The body, gunzipped when it says ``Content-Encoding: gzip`` (``deflate`` too); 413 past
    ``MAX_BODY`` either way."""
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_BODY:
            raise HTTPException(413, f"body is over the limit of {MAX_BODY} bytes")
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return bytes(data)
    if encoding not in ("gzip", "deflate"):
        raise BadRequest(f"Content-Encoding {encoding[:50]!r} is not supported: send gzip or "
                         "none")
    try:
        if encoding == "gzip":
            # Read at most MAX_BODY + 1 bytes, so a small bomb cannot fill the memory.
            unpacked = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bytes(data),
                                                                          MAX_BODY + 1)
        else:
            unpacked = zlib.decompressobj().decompress(bytes(data), MAX_BODY + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise BadRequest(f"the body is not valid {encoding}: {exc}") from None
    if len(unpacked) > MAX_BODY:
        raise HTTPException(413, f"body is over the limit of {MAX_BODY} bytes unpacked")
    return unpacked
