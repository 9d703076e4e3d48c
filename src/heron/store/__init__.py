"""Where runs live: ``open_store(url)`` picks the implementation from the URL's scheme.

``sqlite:///PATH`` and ``postgresql://...`` open a ``SqlStore``; a plain path is taken as a
folder holding ``heron.db``.
"""

from __future__ import annotations

from pathlib import Path

from heron.store.models import ConsoleLineInfo, FileInfo, ProjectInfo, RunInfo, Series
from heron.store.sql_store import SqlStore
from heron.store.validate import BatchRejected

Store = SqlStore


def open_store(url: str | Path, media_root: Path | None = None) -> SqlStore:
    """Open the store at ``url`` (migrating its schema to the current version if needed)."""
    text = str(url)
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().resolve() / 'heron.db'}"
    return SqlStore(text, media_root=media_root)


__all__ = ["BatchRejected", "ConsoleLineInfo", "FileInfo", "ProjectInfo", "RunInfo", "Series",
           "SqlStore", "Store", "open_store"]
