"""Who is calling: API keys from the Authorization header, and a limit on failed attempts."""

from __future__ import annotations

import collections
import threading
import time
from dataclasses import dataclass

from fastapi import HTTPException, Request

from heron.errors import AuthError
from heron.store import SqlStore
from heron.store.keys import KeyInfo

FAILURES_ALLOWED = 20
FAILURE_WINDOW = 60.0
CACHE_SECONDS = 5.0


@dataclass
class Caller:
    user: str | None
    admin: bool


class Authenticator:
    """Checks bearer keys against the store (cached briefly) and rate-limits failures per IP."""

    def __init__(self, store: SqlStore, public_read: bool, open_write: bool = False) -> None:
        self.store = store
        self.public_read = public_read
        self.open_write = open_write
        self._cache: dict[str, tuple[float, KeyInfo | None]] = {}
        self._failures: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque)
        self._lock = threading.Lock()

    def _key_from(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        if scheme.lower() == "basic" and token.strip():  # wandb's client sends api:KEY
            import base64
            import binascii

            try:
                user_pass = base64.b64decode(token.strip()).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            return user_pass.partition(":")[2] or None
        return None

    def _lookup(self, key: str) -> KeyInfo | None:
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        info = self.store.check_key(key)
        self._cache[key] = (now, info)
        return info

    def _throttle(self, request: Request) -> None:
        client = request.client.host if request.client else "?"
        with self._lock:
            window = self._failures[client]
            now = time.monotonic()
            while window and now - window[0] > FAILURE_WINDOW:
                window.popleft()
            if len(window) >= FAILURES_ALLOWED:
                raise HTTPException(429, "too many failed authentication attempts; wait a minute")

    def _fail(self, request: Request, reason: str) -> AuthError:
        client = request.client.host if request.client else "?"
        with self._lock:
            self._failures[client].append(time.monotonic())
        return AuthError(reason)  # 401 with WWW-Authenticate (heron.server.errors)

    def caller(self, request: Request, write: bool) -> Caller:
        self._throttle(request)
        key = self._key_from(request)
        if key is None:
            if self.open_write or (not write and self.public_read):
                return Caller(user=None, admin=False)
            raise self._fail(request, "an API key is required (Authorization: Bearer <key>)")
        info = self._lookup(key)
        if info is None:
            raise self._fail(request, "the API key is unknown or revoked")
        return Caller(user=info.user, admin=info.admin)
