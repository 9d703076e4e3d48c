"""Starting the server process(es) with uvicorn."""

from __future__ import annotations

import os
from typing import Any

from heron.errors import StoreError, ValueRejected
from heron.store import SqlStore, open_store
from heron.term import termlog, termwarn

ENV_DB = "HERON_SERVER_DB"
ENV_MEDIA = "HERON_SERVER_MEDIA"
ENV_ACCESS = "HERON_SERVER_ACCESS"
ENV_LOOPBACK = "HERON_SERVER_LOOPBACK"
ACCESS = ("keys", "public-read", "open")
"""keys: every call needs a key; public-read: reads need none; open: nothing needs one (heron
ui on 127.0.0.1, where the caller could read the SQLite file anyway)."""


def ensure_admin_key(store: SqlStore) -> str | None:
    """On the first start, create an admin key and return it (it is shown once, never again)."""
    return store.create_first_key("admin")


def app_from_env() -> Any:
    """The app for uvicorn's worker processes (``--workers N``), configured by environment."""

    from heron.server.app import create_app

    media = os.environ.get(ENV_MEDIA)
    store = open_store(os.environ[ENV_DB], media_root=media or None)
    return create_app(store, access=os.environ.get(ENV_ACCESS, "keys"),
                      loopback_only=os.environ.get(ENV_LOOPBACK) == "1")


def _open(db: str, media: str | None) -> SqlStore:
    """The store, or a ``StoreError`` that names the file or folder keeping it closed."""

    from heron.server.writable import open_problem

    try:
        return open_store(db, media_root=media or None)
    except StoreError as exc:
        problem = open_problem(db)
        if problem is None:
            raise
        raise StoreError(f"{exc}: {problem}") from exc


def _first_key(store: SqlStore) -> str | None:
    """``ensure_admin_key``, asked only when no key exists: a read-only database that already
    has keys still serves."""
    try:
        return None if store.has_keys() else ensure_admin_key(store)
    except StoreError as exc:
        termwarn(f"could not create the first API key: {exc}")
        return None


def uvicorn_proxy_options(forwarded_allow_ips: str | None) -> dict[str, Any]:
    """uvicorn's options for ``X-Forwarded-For``/``-Proto``: trusted only from the proxies
    named (uvicorn's own default trusts 127.0.0.1, so any local process could pose as any
    address to the failed-key limiter)."""
    if not forwarded_allow_ips:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips}


def serve(db: str, media: str | None = None, host: str = "127.0.0.1", port: int = 8080,
          workers: int = 1, access: str = "keys", quiet: bool = False,
          forwarded_allow_ips: str | None = None) -> None:
    """Migrate the store, create the first admin key if none exists, and serve until stopped.

    ``forwarded_allow_ips``: the proxies (comma-separated addresses, or ``*``) whose
    ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed; None believes nobody's."""
    import uvicorn

    from heron.server.writable import unwritable

    if access not in ACCESS:
        raise ValueRejected(f"access={access!r} is not one of {list(ACCESS)}")
    store = _open(db, media)
    for problem in unwritable(store):
        # Reads still work; every write gets a 503 naming the same path until it is fixed.
        termwarn(f"{problem}; writes will be refused (503) until it can be written")
    key = _first_key(store) if access != "open" else None
    if key is not None:
        # A warning, not information: it must be seen even with HERON_SILENT.
        termwarn("created the first API key (user 'admin'); it is shown only now:\n"
                 f"\n    {key}\n\nuse it with `heron login http://{host}:{port} --key ...` or "
                 "HERON_API_KEY")
    os.environ[ENV_DB] = store.url
    if media:
        os.environ[ENV_MEDIA] = str(media)
    os.environ[ENV_ACCESS] = access
    from heron.server.hosts import is_loopback

    os.environ[ENV_LOOPBACK] = "1" if is_loopback(host) else "0"
    if not quiet:
        termlog(f"serving {store.url} on http://{host}:{port} (access: {access})")
    store.close()
    uvicorn.run("heron.server.serve:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning", access_log=False,
                **uvicorn_proxy_options(forwarded_allow_ips))
