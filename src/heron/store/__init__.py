"""Where runs live: ``open_store(url)`` picks the implementation from the URL's scheme.

``sqlite:///PATH`` and ``postgresql://...`` open a ``SqlStore``; a plain path is taken as a
folder holding ``heron.db``. ``Store`` (``heron.store.base``) is the contract every backend
meets; ``STORE_BUILDERS`` maps a scheme to the builder, as MLflow's store registry does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from heron.errors import ValueRejected
from heron.store.base import RunAccess, Store, SweepSession
from heron.store.models import ConsoleLineInfo, FileInfo, ProjectInfo, RunInfo, Series
from heron.store.sql_store import SqlStore
from heron.store.validate import BatchRejected

STORE_BUILDERS: dict[str, Callable[[str, Path | str | None], SqlStore]] = {
    "sqlite": SqlStore,
    "postgresql": SqlStore,
    "postgresql+psycopg": SqlStore,
    "postgres": SqlStore,
}
"""URL scheme -> the store that serves it. Every builder makes a ``SqlStore``, so
``open_store`` says so in its type (the server and the SDK's writer rely on it). A heron server
(``http(s)://``) is a store for reading and editing runs only (``RunAccess``): ``open_reader``
opens any of them."""


def open_store(url: str | Path, media_root: Path | str | None = None) -> SqlStore:
    """Open the store at ``url`` (migrating its schema to the current version if needed).

    ``media_root``: where media bytes live, a folder or ``s3://bucket/prefix`` (default: a
    SQLite database's folder). Raises ``ValueRejected`` for a URL no backend serves,
    ``StoreError`` when the database cannot be reached."""
    text = str(url)
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().resolve() / 'heron.db'}"
    scheme = text.split("://", 1)[0].lower()
    builder = STORE_BUILDERS.get(scheme)
    if builder is None:
        raise ValueRejected(f"unsupported store URL {text!r}: use sqlite:///PATH, "
                            "postgresql://... or a folder path")
    return builder(text, media_root)


def open_reader(url: str | Path, api_key: str | None = None) -> RunAccess:
    """Runs to read and edit, from any backend: a SQL store (as ``open_store`` opens it) or a
    heron server (``http://`` or ``https://``, through ``RemoteStore`` with ``api_key``).

    Example:
        >>> open_reader("http://tracker:8080", api_key).list_runs("my_project")
    """
    text = str(url)
    if text.lower().startswith(("http://", "https://")):
        from heron.store.remote import RemoteStore

        return RemoteStore(text, api_key)
    return open_store(text)


__all__ = ["STORE_BUILDERS", "BatchRejected", "ConsoleLineInfo", "FileInfo", "ProjectInfo",
           "RunAccess", "RunInfo", "Series", "SqlStore", "Store", "SweepSession", "open_reader",
           "open_store"]
