"""Starting the server process(es) with uvicorn."""

from __future__ import annotations

import os
from typing import Any

from heron.errors import ValueRejected
from heron.store import SqlStore, open_store
from heron.term import termlog, termwarn

ENV_DB = "HERON_SERVER_DB"
ENV_MEDIA = "HERON_SERVER_MEDIA"
ENV_ACCESS = "HERON_SERVER_ACCESS"
ACCESS = ("keys", "public-read", "open")
"""keys: every call needs a key; public-read: reads need none; open: nothing needs one (heron
ui on 127.0.0.1, where the caller could read the SQLite file anyway)."""


def ensure_admin_key(store: SqlStore) -> str | None:
    """On the first start, create an admin key and return it (it is shown once, never again)."""
    return store.create_first_key("admin")


def app_from_env() -> Any:
    """The app for uvicorn's worker processes (``--workers N``), configured by environment."""
    from pathlib import Path

    from heron.server.app import create_app

    media = os.environ.get(ENV_MEDIA)
    store = open_store(os.environ[ENV_DB], media_root=Path(media) if media else None)
    return create_app(store, access=os.environ.get(ENV_ACCESS, "keys"))


def serve(db: str, media: str | None = None, host: str = "127.0.0.1", port: int = 8080,
          workers: int = 1, access: str = "keys", quiet: bool = False) -> None:
    """Migrate the store, create the first admin key if none exists, and serve until stopped."""
    from pathlib import Path

    import uvicorn

    if access not in ACCESS:
        raise ValueRejected(f"access={access!r} is not one of {list(ACCESS)}")
    store = open_store(db, media_root=Path(media) if media else None)
    key = ensure_admin_key(store) if access != "open" else None
    if key is not None:
        # A warning, not information: it must be seen even with HERON_SILENT.
        termwarn("created the first API key (user 'admin'); it is shown only now:\n"
                 f"\n    {key}\n\nuse it with `heron login http://{host}:{port} --key ...` or "
                 "HERON_API_KEY")
    os.environ[ENV_DB] = store.url
    if media:
        os.environ[ENV_MEDIA] = str(media)
    os.environ[ENV_ACCESS] = access
    if not quiet:
        termlog(f"serving {store.url} on http://{host}:{port} (access: {access})")
    store.close()
    uvicorn.run("heron.server.serve:app_from_env", factory=True, host=host, port=port,
                workers=workers, log_level="warning", access_log=False)
