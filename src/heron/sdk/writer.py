"""The background writer: ``log()`` appends to a queue; a thread ships batches to the sink.

The training loop never waits on I/O. The queue is bounded: when it is full, ``put`` waits
briefly (and says so once) instead of growing memory without limit. A failed write is retried
with backoff; batches keep their sequence number, so a retry that already landed is a no-op.
If the sink still refuses when the run ends, the batches are spooled to the run folder.
"""

from __future__ import annotations

import collections
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from heron import records as r
from heron.media.base import Media
from heron.sdk.sinks import Sink

MAX_BATCH_RECORDS = 20_000
"""Records per batch at most: bounds the memory a write needs, and one transaction's length."""
WAKE_AT = 5_000
"""Queued records that wake the writer before its interval is up."""
MEMORY_BATCHES = 32
"""Batches kept in memory while the sink fails; older ones go to spool files on disk."""
MEMORY_BATCHES_WHEN_SPOOL_FULL = 256
"""With the disk spool full too, at most this many batches wait in memory."""


class Writer:
    """Drains queued records into batches for one run's sink."""

    def __init__(
        self,
        sink: Sink,
        project: str,
        run_id: str,
        entity: str = "",
        *,
        flush_interval: float = 0.25,
        max_queue: int = 200_000,
        heartbeat_seconds: float = 30.0,
        spool_dir: Path | None = None,
        summary: Callable[[], dict[str, Any] | None] | None = None,
        prepare: Callable[[], None] | None = None,
        first_seq: int = 1,
        spool_max_bytes: int = 1024 * 2**20,
    ) -> None:
        self.sink = sink
        self.project = project
        self.run_id = run_id
        self.entity = entity
        self.flush_interval = flush_interval
        self.max_queue = max_queue
        self.heartbeat_seconds = heartbeat_seconds
        self.spool_dir = spool_dir
        self._summary = summary
        self._prepare = prepare
        self._queue: collections.deque[r.Record] = collections.deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._pending: list[r.Batch] = []
        self._spool_files: list[Path] = []
        self.spool_max_bytes = spool_max_bytes
        self._spool_bytes = 0
        self.dropped_records = 0
        self._stop_deadline = 0.0
        self._seq = first_seq - 1
        self._last_beat = time.time()
        self._warned_full = False
        self._warned_error = False
        self.scan_media = False
        """Set once media has been logged: only then are history rows scanned for it."""
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="heron-writer", daemon=True)
        self._thread.start()

    def put(self, record: r.Record) -> None:
        """Queue a record; never blocks unless the queue is full."""
        queue = self._queue
        size = len(queue)
        if size >= self.max_queue:
            self._wait_for_room()
        elif size == WAKE_AT:
            self._wake.set()  # a fast loop: write now rather than let memory pile up
        queue.append(record)

    def _wait_for_room(self) -> None:
        if not self._warned_full:
            self._warned_full = True
            print(f"heron: the write queue is full ({self.max_queue} records); log() waits for "
                  "the writer to catch up", file=sys.stderr)
        deadline = time.time() + 30
        while len(self._queue) >= self.max_queue and time.time() < deadline:
            self._wake.set()
            time.sleep(0.005)

    def flush(self, timeout: float = 30.0) -> bool:
        """Write everything queued so far; True when it landed in the sink."""
        target = len(self._queue)
        if target == 0 and not self._pending:
            return True
        with self._idle:
            self._wake.set()
            self._idle.wait_for(lambda: not self._queue and not self._pending, timeout=timeout)
        return not self._queue and not self._pending and not self._spool_files

    def close(self, timeout: float = 30.0) -> bool:
        """Drain the queue, retrying a failing sink for up to ``timeout`` seconds, then stop;
        what could not be written is spooled to disk. True if everything landed."""
        self._stop_deadline = time.time() + timeout
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout + 30)
        self._drain_once()  # anything queued after the thread's last pass
        landed = not self._pending and not self._queue and not self._spool_files
        if not landed:
            self._spool()
        return landed

    # -- the thread -----------------------------------------------------------------------
    def _loop(self) -> None:
        if self._prepare is not None:
            try:
                self._prepare()
            except Exception as exc:  # metadata is nice to have; never fatal
                print(f"heron: could not collect run metadata: {exc}", file=sys.stderr)
        backoff = self.flush_interval
        waiting_said = False
        while True:
            stopping = self._stop.is_set()
            ok = self._drain_once()
            with self._idle:
                self._idle.notify_all()
            if stopping and (ok or time.time() >= self._stop_deadline):
                return
            backoff = self.flush_interval if ok else min(backoff * 2, 1.0 if stopping else 5.0)
            if ok and self._queue and len(self._queue) >= WAKE_AT:
                continue  # more than a batch is waiting: keep writing
            if stopping and not waiting_said:
                waiting_said = True
                left = max(0.0, self._stop_deadline - time.time())
                print(f"heron: waiting up to {left:.0f} s for "
                      f"{getattr(self.sink, 'url', 'the store')} to take the last batches",
                      file=sys.stderr)
            self._wake.wait(backoff)
            self._wake.clear()

    def _drain_once(self) -> bool:
        """Take what is queued into a batch and deliver spooled, then pending batches.

        False when the sink failed; the batches wait (in memory, then on disk) for a retry.
        """
        queue = self._queue
        items: list[r.Record] = [queue.popleft()
                                 for _ in range(min(len(queue), MAX_BATCH_RECORDS))]
        now = time.time()
        if now - self._last_beat >= self.heartbeat_seconds:
            items.append(r.Heartbeat(timestamp=now))
            self._last_beat = now
        if self._summary is not None:
            summary = self._summary()
            if summary is not None:
                items.append(r.SummarySet(summary=summary))
        if items:
            self._resolve_media(items)
            self._seq += 1
            self._pending.append(r.Batch(project=self.project, run_id=self.run_id,
                                         entity=self.entity, seq=self._seq, records=items))
        try:
            self._deliver_spooled()
            while self._pending:
                self._deliver(self._pending[0])
                self._pending.pop(0)
        except Exception as exc:
            self._failed(exc)
            return False
        if self._warned_error:
            self._warned_error = False
            print("heron: writing works again", file=sys.stderr)
        return True

    def _deliver(self, batch: r.Batch) -> None:
        from heron.sdk.remote import RejectedBatch

        try:
            self.sink.write(batch)
        except RejectedBatch as exc:
            # Retrying cannot help; keep the batch on disk (heron sync can try it later).
            print(f"heron: {exc}; the batch is kept in the run folder", file=sys.stderr)
            self._spool_to_disk([batch], prefix="rejected")

    def _deliver_spooled(self) -> None:
        from heron.sdk import runlog

        while self._spool_files:
            path = self._spool_files[0]
            for batch in runlog.read(path):
                self._deliver(batch)
            self._spool_bytes = max(0, self._spool_bytes - path.stat().st_size)
            path.unlink(missing_ok=True)
            self._spool_files.pop(0)

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        if not self._warned_error:
            self._warned_error = True
            print(f"heron: writing to {getattr(self.sink, 'url', 'the store')} failed "
                  f"({type(exc).__name__}: {exc}); retrying, nothing is lost", file=sys.stderr)
        if len(self._pending) > MEMORY_BATCHES:
            # A long outage: keep the newest batch in memory, the rest on disk, in order.
            older, self._pending = self._pending[:-1], self._pending[-1:]
            self._spool_to_disk(older)
        if len(self._pending) > MEMORY_BATCHES_WHEN_SPOOL_FULL:
            # The disk spool is full (or failing) too: memory must stay bounded. The oldest
            # batches go, loudly; everything newer still arrives when the store is back.
            dropped = self._pending[:-MEMORY_BATCHES_WHEN_SPOOL_FULL]
            self._pending = self._pending[-MEMORY_BATCHES_WHEN_SPOOL_FULL:]
            self.dropped_records += sum(len(b.records) for b in dropped)
            print(f"heron: the spool is full ({self.spool_max_bytes / 2**20:.0f} MB, "
                  f"settings.spool_max_mb) and the store is still unreachable: "
                  f"{self.dropped_records} records dropped so far", file=sys.stderr)

    def _spool_to_disk(self, batches: list[r.Batch], prefix: str = "spool",
                       final: bool = False) -> Path | None:
        """Append ``batches`` to a spool file within ``spool_max_bytes``. What does not fit
        stays in memory, or, when the run is ending (``final``), is dropped oldest first."""
        from heron.sdk import runlog

        if self.spool_dir is None or not batches:
            return None
        if prefix == "spool":
            sizes = [len(r.encode(b)) + 4 for b in batches]
            budget = self.spool_max_bytes - self._spool_bytes
            if sum(sizes) > budget:
                if not final:
                    self._pending[:0] = batches
                    return None
                while batches and sum(sizes) > budget:
                    self.dropped_records += len(batches.pop(0).records)
                    sizes.pop(0)
                print(f"heron: the spool is full ({self.spool_max_bytes / 2**20:.2f} MB, "
                      f"settings.spool_max_mb): {self.dropped_records} records dropped",
                      file=sys.stderr)
                if not batches:
                    return None
        path = self.spool_dir / f"{prefix}-{batches[0].seq:08d}{runlog.SUFFIX}"
        try:
            self._spool_bytes += runlog.append(path, batches, sync=True)
        except OSError as exc:
            print(f"heron: could not spool to {path}: {exc}; keeping batches in memory",
                  file=sys.stderr)
            self._pending[:0] = batches if prefix == "spool" else []
            return None
        if prefix == "spool":
            self._spool_files.append(path)
        return path

    def _resolve_media(self, items: list[r.Record]) -> None:
        media = self.sink.media
        for rec in items:
            if isinstance(rec, r.SummarySet):
                row = rec.summary
            elif isinstance(rec, r.HistoryRow) and self.scan_media:
                row = rec.row
            else:
                continue
            if row:
                for key, value in row.items():
                    if isinstance(value, Media):
                        try:
                            row[key] = value.to_json(media)
                        except Exception as exc:
                            print(f"heron: could not store media {key!r}: {exc}", file=sys.stderr)
                            row[key] = None

    def _spool(self) -> None:
        """At close: keep what never landed on disk so ``heron sync`` can deliver it later."""
        pending = list(self._pending)
        if self._queue:
            self._seq += 1
            pending.append(r.Batch(project=self.project, run_id=self.run_id, entity=self.entity,
                                   seq=self._seq, records=list(self._queue)))
            self._queue.clear()
        self._pending = []
        self._spool_to_disk(pending, final=True)
        if self._spool_files:
            count = sum(1 for path in self._spool_files for _ in _read(path))
            print(f"heron: {count} batches could not be written to "
                  f"{getattr(self.sink, 'url', 'the store')}; they are kept in "
                  f"{self.spool_dir} (run `heron sync` to deliver them)", file=sys.stderr)


def _read(path: Path) -> list[r.Batch]:
    from heron.sdk import runlog

    return list(runlog.read(path))
