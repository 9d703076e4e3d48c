"""Where a run's records go: one small interface, one class per destination.

``LocalSink`` writes into the embedded store (SQLite in ``HERON_DIR``); ``NullSink`` drops
everything (``mode="disabled"``). ``HttpSink`` (a heron server) and ``OfflineSink`` (the run
folder) implement the same interface.

Media files are written into the run folder first, by the writer; a sink only delivers a file
that a batch refers to (``deliver_media``) before it writes the batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from heron.errors import RejectedBatch
from heron.records import Batch


class Sink(Protocol):
    """Receives batches of one run's records, in order; raises to ask for a retry.

    ``RejectedBatch`` means retrying cannot help (the target refuses what the batch holds).
    """

    url: str

    def open(self) -> None:
        """Connect to or open the target, so the first batch does not pay for it."""
        ...

    def write(self, batch: Batch) -> None: ...

    def deliver_media(self, files: list[tuple[str, Path]]) -> None:
        """Make each media file ``(rel, source)`` readable at ``rel`` in the target's media
        store (the files one batch refers to; one that is stored already is not sent)."""
        ...

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any: ...

    def flush(self, timeout: float) -> bool:
        """Wait until every batch handed over is written; True when it is."""
        ...

    def close(self) -> bool | None:
        """Release the target; False when something handed over could not be written."""
        ...


class LocalSink:
    """Writes batches straight into a ``SqlStore``; opened lazily by the writer thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: Any = None

    @property
    def store(self) -> Any:
        if self._store is None:
            from heron.store import open_store

            self._store = open_store(self.url)
        return self._store

    def open(self) -> None:
        self.store  # noqa: B018 - opening is the point: it imports and migrates

    def write(self, batch: Batch) -> None:
        from heron.store import BatchRejected

        try:
            self.store.write(batch)
        except BatchRejected as exc:
            raise RejectedBatch(str(exc)) from exc

    def deliver_media(self, files: list[tuple[str, Path]]) -> None:
        for rel, source in files:
            self.store.media.put_file(source, rel)

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return self.store.get_run(project, run_id, entity)

    def flush(self, timeout: float) -> bool:
        return True  # write() returns once the batch is committed

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class NullSink:
    """Accepts and forgets everything."""

    url = "nowhere (disabled)"

    def open(self) -> None:
        return None

    def write(self, batch: Batch) -> None:
        return None

    def deliver_media(self, files: list[tuple[str, Path]]) -> None:
        return None

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return None

    def flush(self, timeout: float) -> bool:
        return True

    def close(self) -> None:
        return None
