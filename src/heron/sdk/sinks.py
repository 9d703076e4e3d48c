"""Where a run's records go: one small interface, one class per destination.

``LocalSink`` writes into the embedded store (SQLite in ``HERON_DIR``); ``NullSink`` drops
everything (``mode="disabled"``). The server and offline sinks implement the same interface.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from heron.media.base import DirectoryMediaWriter, MediaWriter
from heron.records import Batch


class Sink(Protocol):
    """Receives batches of one run's records, in order; may raise to ask for a retry."""

    media: MediaWriter

    def write(self, batch: Batch) -> None: ...

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any: ...

    def close(self) -> None: ...


class LocalSink:
    """Writes batches straight into a ``SqlStore``; opened lazily by the writer thread."""

    def __init__(self, url: str, root: Path) -> None:
        self.url = url
        self.media: MediaWriter = DirectoryMediaWriter(root)
        self._store: Any = None

    @property
    def store(self) -> Any:
        if self._store is None:
            from heron.store import open_store

            self._store = open_store(self.url)
        return self._store

    def write(self, batch: Batch) -> None:
        self.store.write(batch)

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return self.store.get_run(project, run_id, entity)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class NullSink:
    """Accepts and forgets everything."""

    def __init__(self) -> None:
        self.media: MediaWriter = _NullMedia()

    def write(self, batch: Batch) -> None:
        return None

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return None

    def close(self) -> None:
        return None


class _NullMedia:
    def put(self, data: bytes, suffix: str) -> str:
        return ""
