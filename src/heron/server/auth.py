"""Who is calling: an API key (``Authorization``), a dashboard session (cookie), or nobody;
and a limit on failed keys that never refuses a valid one.

Keys and sessions are looked up at most once a second per process (``CACHE_SECONDS``), so a
revoked key, an ended session or a removed user stops working within a second on every
replica."""

from __future__ import annotations

import base64
import binascii
import collections
import threading
import time
from dataclasses import dataclass, field

from fastapi import HTTPException, Request

from heron.errors import AuthError
from heron.store import SqlStore
from heron.store.access import Principal

SESSION_COOKIE = "heron_session"
SESSION_SECONDS = 7 * 24 * 3600.0
FAILURES_ALLOWED = 20
"""Wrong keys one address may present per key prefix in ``FAILURE_WINDOW`` before it must
wait; valid keys and other prefixes are not affected."""
FAILURE_WINDOW = 60.0
CACHE_SECONDS = 1.0
MAX_TRACKED = 10_000
"""Failure counters kept at most (the oldest are dropped), so guessing cannot fill memory."""


@dataclass(frozen=True)
class Caller:
    """The caller of one request."""

    user: str | None
    role: str | None
    """``admin``, ``member`` or ``viewer``; None for an anonymous caller."""
    teams: dict[str, str] = field(default_factory=dict)
    via: str = "anonymous"
    """``key``, ``session`` or ``anonymous``."""
    key_id: int | None = None
    open: bool = False
    """The server is open (``heron ui``): an anonymous caller may do everything."""

    @property
    def admin(self) -> bool:
        return self.role == "admin" or (self.open and self.user is None)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def key_from(request: Request) -> str | None:
    """The API key of ``Authorization: Bearer KEY`` or of Basic ``api:KEY`` (W&B's client)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        return token
    if scheme.lower() == "basic" and token:
        try:
            user_pass = base64.b64decode(token, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user_pass.partition(":")[2] or None
    return None


class Authenticator:
    """Checks keys and session cookies against the store (cached ``CACHE_SECONDS``) and slows
    down addresses that present wrong keys."""

    def __init__(self, store: SqlStore, public_read: bool, open_write: bool = False) -> None:
        self.store = store
        self.public_read = public_read
        self.open_write = open_write
        self._keys: dict[str, tuple[float, Principal | None]] = {}
        self._sessions: dict[str, tuple[float, Principal | None]] = {}
        self._failures: collections.OrderedDict[tuple[str, str], collections.deque[float]] = (
            collections.OrderedDict())
        self._lock = threading.Lock()

    # -- lookups --------------------------------------------------------------------------
    def _cached(self, cache: dict[str, tuple[float, Principal | None]], token: str,
                session: bool) -> Principal | None:
        now = time.monotonic()
        hit = cache.get(token)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        with self.store.access_session() as access:
            found = (access.principal_for_session(token) if session
                     else access.principal_for_key(token))
        if len(cache) > MAX_TRACKED:
            cache.clear()
        cache[token] = (now, found)
        return found

    def principal_for_key(self, key: str) -> Principal | None:
        return self._cached(self._keys, key, session=False)

    def forget(self) -> None:
        """Drop cached lookups (after this process revoked a key or ended a session)."""
        self._keys.clear()
        self._sessions.clear()

    # -- failures -------------------------------------------------------------------------
    def _bucket(self, request: Request, key: str) -> tuple[str, str]:
        return (_client(request), key[:7])

    def _throttled(self, bucket: tuple[str, str]) -> bool:
        with self._lock:
            window = self._failures.get(bucket)
            if window is None:
                return False
            now = time.monotonic()
            while window and now - window[0] > FAILURE_WINDOW:
                window.popleft()
            return len(window) >= FAILURES_ALLOWED

    def _fail(self, bucket: tuple[str, str], reason: str) -> AuthError:
        with self._lock:
            window = self._failures.pop(bucket, None) or collections.deque()
            window.append(time.monotonic())
            self._failures[bucket] = window
            while len(self._failures) > MAX_TRACKED:
                self._failures.popitem(last=False)
        return AuthError(reason)  # 401 with WWW-Authenticate (heron.server.errors)

    # -- the caller -----------------------------------------------------------------------
    def check_key(self, request: Request, key: str) -> Principal:
        """The key's user; ``AuthError`` for a wrong key, 429 while its prefix is throttled
        for this address."""
        bucket = self._bucket(request, key)
        if self._throttled(bucket):
            raise HTTPException(429, "too many wrong API keys from this address; wait a minute")
        found = self.principal_for_key(key)
        if found is None:
            raise self._fail(bucket, "the API key is unknown or revoked")
        return found

    def caller(self, request: Request, write: bool) -> Caller:
        key = key_from(request)
        if key is not None:
            found = self.check_key(request, key)
            return Caller(user=found.user, role=found.role, teams=found.teams, via="key",
                          key_id=found.key_id)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            # A stale cookie is not a guess (its token has 256 random bits): no failure counted.
            session = self._cached(self._sessions, token, session=True)
            if session is not None:
                return Caller(user=session.user, role=session.role, teams=session.teams,
                              via="session", key_id=session.key_id)
        if self.open_write or (not write and self.public_read):
            return Caller(user=None, role=None, open=self.open_write)
        if token:
            raise AuthError("the session has ended or expired; sign in again")
        raise AuthError("an API key is required (Authorization: Bearer <key>, or sign in)")
