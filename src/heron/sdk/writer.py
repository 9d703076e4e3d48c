"""The background writer: ``log()`` appends to a queue; a thread ships batches to the sink.

The training loop never waits on I/O, and nothing logged is lost:

- The queue is bounded (``settings.queue_size`` records). A loop that logs faster than the
  store takes rows waits in ``put`` for the writer to catch up, instead of holding the whole
  run in memory; the writer wakes as soon as a batch's worth is queued, so it keeps pace.
- ``close()`` (``finish()``) returns when every queued record is in the sink, however large the
  backlog. Only a sink that keeps failing until ``finish_timeout`` leaves records behind: they
  are spooled to the run folder and ``heron sync`` delivers them.
- Media are written into the run folder first (``<run folder>/media``, content-addressed) and
  delivered with the batch that refers to them. A file that cannot be delivered yet waits with
  its batch (memory, then the spool); its value is never replaced by ``null``.
- A failed write is retried with backoff; batches keep their sequence number, so a retry that
  already landed is a no-op.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from heron import records as r
from heron.errors import RejectedBatch
from heron.limits import is_media_path
from heron.media.base import DirectoryMediaWriter, Media, referenced_paths
from heron.sdk.sinks import Sink
from heron.term import forget, termlog, termwarn

MAX_BATCH_RECORDS = 20_000
"""Records per batch at most: bounds the memory a write needs, and one transaction's length."""
WAKE_AT = 2_000
"""Queued records that wake the writer before its interval is up."""
SLOW_WRITER_SECONDS = 5.0
"""A ``log()`` that waits this long for room in the queue says why, once."""
GIVE_UP_WAITING_SECONDS = 30.0
"""After this long without room, ``log()`` queues anyway: a stuck store never stops training."""
INCOMING_WAKE_BYTES = 1 << 20
"""Encoded input (writer process) that wakes the writer before its interval is up."""
INCOMING_MAX_BYTES = 256 << 20
"""Encoded input (writer process) held at most while the sink is slow: then the input waits."""
DROP_FACTOR = 4
"""With the disk spool full too, at most this many times ``memory_records`` wait in memory."""


def media_of(records: Iterable[r.Record], rows: bool = True) -> Iterator[str]:
    """The media files (``media/...`` paths) that ``records`` refer to, which must be
    delivered before them. ``rows=False`` skips scanning history rows (no media logged)."""
    for rec in records:
        if isinstance(rec, r.FileSaved):
            yield rec.path
        elif isinstance(rec, r.ArtifactLog):
            yield from (e.media for e in rec.entries if e.media is not None)
        elif isinstance(rec, r.HistoryRow) and rows:
            for value in rec.row.values():
                if type(value) is dict:
                    yield from referenced_paths(value)
        elif isinstance(rec, r.SummarySet):
            for value in rec.summary.values():
                if type(value) is dict:
                    yield from referenced_paths(value)


def batch_media(batch: r.Batch, rows: bool = True) -> list[str]:
    """Every media file ``batch`` needs delivered before it, in a stable order."""
    return list(dict.fromkeys([*batch.files, *media_of(batch.records, rows=rows)]))


class RecordingMediaWriter(DirectoryMediaWriter):
    """A ``DirectoryMediaWriter`` that remembers what it wrote, for the batch being resolved."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.written: list[str] = []

    def put(self, data: bytes, suffix: str) -> str:
        rel = super().put(data, suffix)
        self.written.append(rel)
        return rel

    def take(self) -> list[str]:
        taken, self.written = self.written, []
        return taken


class Writer:
    """Drains queued records into batches for one run's sink.

    Thread-safety: ``put`` is called from the training thread (and the system sampler, the
    console tee); ``flush`` and ``close`` from the thread that ends the run. Everything else
    runs on the writer's own thread.
    """

    def __init__(
        self,
        sink: Sink,
        project: str,
        run_id: str,
        entity: str = "",
        *,
        run_dir: Path,
        flush_interval: float = 0.25,
        max_queue: int = 50_000,
        heartbeat_seconds: float = 30.0,
        summary: Callable[[], dict[str, Any] | None] | None = None,
        prepare: Callable[[], None] | None = None,
        first_seq: int = 1,
        spool_max_bytes: int = 1024 * 2**20,
        on_done: Callable[[int], None] | None = None,
    ) -> None:
        self.sink = sink
        self.project = project
        self.run_id = run_id
        self.entity = entity
        self.run_dir = run_dir
        self.media = RecordingMediaWriter(run_dir)
        """Where media files are written first: the run folder, readable by ``heron sync``."""
        self.flush_interval = flush_interval
        self.max_queue = max(1, max_queue)
        self.memory_records = max(self.max_queue, MAX_BATCH_RECORDS)
        """Records that may wait in memory for a failing sink before they go to the spool."""
        self.heartbeat_seconds = heartbeat_seconds
        self.spool_max_bytes = spool_max_bytes
        self._summary = summary
        self._prepare = prepare
        self._on_done = on_done
        """Told the ``seq`` of each batch once it is in the sink or safe in the spool."""
        self._queue: collections.deque[r.Record] = collections.deque()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._pending: collections.deque[r.Batch] = collections.deque()
        self._incoming: collections.deque[bytes] = collections.deque()
        self._incoming_bytes = 0
        self._delivered: set[str] = set()
        self._spool_files: list[Path] = []
        self._spool_bytes = 0
        self.dropped_records = 0
        self._stop_deadline = 0.0
        self._seq = first_seq - 1
        self._last_beat = time.time()
        self._failing = False
        self.scan_media = False
        """Set once media has been logged: only then are history rows scanned for it."""
        self.resolve_media = True
        """False where batches arrive with their media already written (the writer process)."""
        self.error: BaseException | None = None
        self.opened = threading.Event()
        """Set once the sink has been opened (or failed to open) by the writer thread."""
        self._thread = threading.Thread(target=self._loop, name="heron-writer", daemon=True)
        self._thread.start()

    @property
    def _where(self) -> str:
        return str(getattr(self.sink, "url", "the store"))

    # -- the training thread ----------------------------------------------------------------
    def put(self, record: r.Record) -> None:
        """Queue a record; waits only while the queue is full (the writer is behind)."""
        queue = self._queue
        size = len(queue)
        if size >= self.max_queue:
            self._wait_for_room()
        elif size == WAKE_AT:
            self._wake.set()  # a fast loop: write now so the queue never gets long
        queue.append(record)

    def put_frame(self, frame: bytes) -> None:
        """Queue an encoded batch built elsewhere (the writer process's input), keeping its
        ``seq``. Kept encoded (a third of the memory) until its turn comes; waits while more
        than ``INCOMING_MAX_BYTES`` are waiting for a working sink."""
        self._incoming.append(frame)
        self._incoming_bytes += len(frame)
        if len(self._incoming) == 1 or self._incoming_bytes > INCOMING_WAKE_BYTES:
            self._wake.set()
        while (self._incoming_bytes > INCOMING_MAX_BYTES and not self._failing
               and self._thread.is_alive()):
            time.sleep(0.002)

    def _wait_for_room(self) -> None:
        started = time.monotonic()
        said = False
        while len(self._queue) >= self.max_queue and self._thread.is_alive():
            self._wake.set()
            time.sleep(0.001)  # lets the writer thread take the GIL and a batch
            waited = time.monotonic() - started
            if waited > SLOW_WRITER_SECONDS and not said:
                said = True
                termwarn(f"log() is waiting for {self._where} to take queued rows "
                         f"({self.max_queue} records queued)", once=f"slow-{id(self)}")
            if waited > GIVE_UP_WAITING_SECONDS:
                return

    def flush(self, timeout: float = 30.0) -> bool:
        """Write everything queued so far; True when it landed in the store."""
        deadline = time.monotonic() + timeout
        if not self._idle_now():
            with self._idle:
                self._wake.set()
                self._idle.wait_for(self._idle_now, timeout=timeout)
        if not self._idle_now() or self._spool_files:
            return False
        return self.sink.flush(max(0.0, deadline - time.monotonic()))

    def _idle_now(self) -> bool:
        return not self._queue and not self._pending and not self._incoming

    def backlog(self) -> tuple[int, int]:
        """``(records not yet handed to the sink, spool files waiting for it)``, a snapshot
        for ``run.status()``."""
        return len(self._queue) + self._pending_records(), len(self._spool_files)

    def close(self, timeout: float = 30.0) -> bool:
        """Write every queued record, then stop; True if everything landed.

        A sink that keeps failing is retried for up to ``timeout`` seconds; what it still has
        not taken then is spooled to the run folder (``heron sync`` delivers it), with a
        message that says why. A slow but working sink is waited for.
        """
        self._stop_deadline = time.time() + timeout
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self._drain_once()  # anything queued after the thread's last pass
        landed = self._idle_now() and not self._spool_files
        if not landed:
            self._spool_at_close()
        try:
            sink_landed = self.sink.close()
        except Exception as exc:
            termwarn(f"could not close {self._where}: {exc}")
            sink_landed = False
        return landed and sink_landed is not False

    # -- the writer thread --------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            self.sink.open()  # start importing and opening the store while the script runs
        except Exception:
            pass  # the first write fails the same way and reports it
        self.opened.set()
        if self._prepare is not None:
            try:
                self._prepare()
            except Exception as exc:  # metadata is nice to have; never fatal
                termwarn(f"could not collect run metadata: {exc}")
        backoff = self.flush_interval
        waiting_said = False
        while True:
            self._wake.clear()
            stopping = self._stop.is_set()
            ok = self._drain_once()
            with self._idle:
                self._idle.notify_all()
            if ok:
                backoff = self.flush_interval
                if self._queue and (stopping or len(self._queue) >= WAKE_AT):
                    continue  # more is waiting: keep writing
                if self._incoming:
                    continue
                if stopping:
                    return
            else:
                if stopping and time.time() >= self._stop_deadline:
                    return
                backoff = min(backoff * 2, 1.0 if stopping else 5.0)
                if stopping and not waiting_said:
                    waiting_said = True
                    left = max(0.0, self._stop_deadline - time.time())
                    termlog(f"waiting up to {left:.0f} s for {self._where} to take the last "
                            "batches")
            self._wake.wait(backoff)

    def _take_batch(self) -> None:
        """Move up to one batch's worth of queued records into the pending batches."""
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
            self._seq += 1
            self._pending.append(r.Batch(project=self.project, run_id=self.run_id,
                                         entity=self.entity, seq=self._seq, records=items,
                                         media=self.scan_media))

    def _drain_once(self) -> bool:
        """Take what is queued into a batch; deliver spooled, then pending batches, in order.

        False when the sink failed: the batches wait (in memory, then on disk) for a retry.
        """
        self._take_batch()
        try:
            self._deliver_spooled()
            while self._pending or self._incoming:
                if not self._pending:
                    self._decode_incoming(1)
                batch = self._pending[0]
                self._resolve_media(batch)
                self._deliver(batch)
                self._pending.popleft()
                self._done(batch.seq)
        except Exception as exc:
            self._failed(exc)
            return False
        if self._failing:
            self._failing = False
            forget(f"write-failed-{id(self)}")
            termwarn(f"writing to {self._where} works again")
        return True

    def _decode_incoming(self, count: int | None = None) -> None:
        """Turn up to ``count`` (default all) encoded input batches into pending batches."""
        taken = 0
        while self._incoming and (count is None or taken < count):
            frame = self._incoming.popleft()
            self._incoming_bytes -= len(frame)
            self._pending.append(r.decode(frame))
            taken += 1

    def _done(self, seq: int) -> None:
        if self._on_done is not None:
            self._on_done(seq)

    def _deliver(self, batch: r.Batch) -> None:
        files: list[tuple[str, Path]] = []
        new = [rel for rel in batch_media(batch, rows=batch.media or self.scan_media)
               if rel not in self._delivered]
        for rel in new:
            source = self.run_dir / rel
            if not is_media_path(rel):
                # A spool from elsewhere (heron sync) must not send files from outside
                # the run folder: only the media/... paths the writer itself makes.
                termwarn(f"media path {rel[:200]!r} is not a media/... path; not sent",
                         once=f"bad-media-{rel}")
            elif source.is_file():
                files.append((rel, source))
            else:
                termwarn(f"media file {rel} is missing from {self.run_dir}; its value "
                         "will not show", once=f"missing-{rel}")
        if files:  # one question to the target for the batch's files, not one per file
            self.sink.deliver_media(files)
        self._delivered.update(new)
        try:
            self.sink.write(batch)
        except RejectedBatch as exc:
            # Retrying cannot help; keep the batch on disk for inspection (and heron sync).
            path = self._spool_to_disk([batch], prefix="rejected")
            termwarn(f"{exc}; the batch is kept in {path or self.run_dir}")

    def _deliver_spooled(self) -> None:
        from heron.sdk import runlog

        while self._spool_files:
            path = self._spool_files[0]
            for batch in runlog.read(path):
                self._deliver(batch)
            self._spool_bytes = max(0, self._spool_bytes - path.stat().st_size)
            path.unlink(missing_ok=True)
            self._spool_files.pop(0)

    def _resolve_media(self, batch: r.Batch) -> None:
        """Write the batch's media values into the run folder; each becomes its reference.

        ``OSError`` (the run folder cannot be written) propagates: the batch waits and is
        tried again. A value that cannot be serialised at all is left out, with a warning.
        """
        if not self.resolve_media:
            return
        self.media.take()
        try:
            for rec in batch.records:
                if isinstance(rec, r.SummarySet):
                    row = rec.summary
                elif isinstance(rec, r.HistoryRow) and self.scan_media:
                    row = rec.row
                else:
                    continue
                for key, value in row.items():
                    if isinstance(value, Media):
                        try:
                            row[key] = value.to_json(self.media)
                        except OSError:
                            raise
                        except Exception as exc:
                            termwarn(f"could not serialise media {key!r} "
                                     f"({type(exc).__name__}: {exc}); the value is left out")
                            row[key] = None
        finally:
            # What was written so far stays with the batch, also when a retry resolves the rest.
            batch.files.extend(rel for rel in self.media.take() if rel not in batch.files)

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        if not self._failing:
            self._failing = True
            termwarn(f"writing to {self._where} failed ({type(exc).__name__}: {exc}); "
                     f"retrying, records wait in memory and then in {self.run_dir}",
                     once=f"write-failed-{id(self)}")
        self._decode_incoming()  # an outage: everything waiting may have to go to disk
        if self._pending_records() > self.memory_records and len(self._pending) > 1:
            # A long outage: keep the newest batch in memory, the rest on disk, in order.
            older = [self._pending.popleft() for _ in range(len(self._pending) - 1)]
            self._spool_to_disk(older)
        waiting = self._pending_records()
        if waiting > DROP_FACTOR * self.memory_records:
            # The disk spool is full (or failing) too: memory must stay bounded. The oldest
            # batches go, loudly; everything newer still arrives when the store is back.
            while waiting > DROP_FACTOR * self.memory_records and len(self._pending) > 1:
                dropped = self._pending.popleft()
                waiting -= len(dropped.records)
                self.dropped_records += len(dropped.records)
            termwarn(f"the spool is full ({self.spool_max_bytes / 2**20:.2f} MB, "
                     f"settings.spool_max_mb) and {self._where} is still unreachable: "
                     f"{self.dropped_records} records dropped so far")

    def _pending_records(self) -> int:
        return sum(len(b.records) for b in list(self._pending))

    def _spool_to_disk(self, batches: list[r.Batch], prefix: str = "spool",
                       final: bool = False) -> Path | None:
        """Append ``batches`` to a spool file in the run folder, within ``spool_max_bytes``.

        What does not fit goes back to memory, or, when the run is ending (``final``), is
        dropped oldest first, loudly.
        """
        from heron.sdk import runlog

        if not batches:
            return None
        try:
            for batch in batches:
                self._resolve_media(batch)
        except OSError as exc:
            termwarn(f"could not write media to {self.run_dir}: {exc}; keeping batches in "
                     "memory", once=f"spool-media-{id(self)}")
            self._requeue(batches, prefix)
            return None
        if prefix == "spool":
            sizes = [len(r.encode(b)) + 4 for b in batches]
            budget = self.spool_max_bytes - self._spool_bytes
            if sum(sizes) > budget:
                if not final:
                    self._requeue(batches, prefix)
                    return None
                while batches and sum(sizes) > budget:
                    self.dropped_records += len(batches.pop(0).records)
                    sizes.pop(0)
                termwarn(f"the spool is full ({self.spool_max_bytes / 2**20:.2f} MB, "
                         f"settings.spool_max_mb): {self.dropped_records} records dropped")
                if not batches:
                    return None
        path = self.run_dir / f"{prefix}-{batches[0].seq:08d}{runlog.SUFFIX}"
        try:
            self._spool_bytes += runlog.append(path, batches, sync=True)
        except OSError as exc:
            termwarn(f"could not spool to {path}: {exc}; keeping batches in memory",
                     once=f"spool-{id(self)}")
            self._requeue(batches, prefix)
            return None
        if prefix == "spool":
            self._spool_files.append(path)
        for batch in batches:
            self._done(batch.seq)  # safe on disk: heron sync (or a later retry) delivers it
        return path

    def _requeue(self, batches: list[r.Batch], prefix: str) -> None:
        if prefix == "spool":
            self._pending.extendleft(reversed(batches))

    def _spool_at_close(self) -> None:
        """At close: keep what never landed in the run folder for ``heron sync``."""
        from heron.sdk import runlog

        self._decode_incoming()
        pending = list(self._pending)
        if self._queue:
            self._seq += 1
            pending.append(r.Batch(project=self.project, run_id=self.run_id, entity=self.entity,
                                   seq=self._seq, records=list(self._queue),
                                   media=self.scan_media))
            self._queue.clear()
        self._pending.clear()
        self._spool_to_disk(pending, final=True)
        if self._spool_files:
            count = sum(len(b.records) for path in self._spool_files for b in runlog.read(path))
            reason = f" ({type(self.error).__name__}: {self.error})" if self.error else ""
            termwarn(f"{count} records could not be written to {self._where}{reason}; they are "
                     f"kept in {self.run_dir} (run `heron sync` to deliver them)")
