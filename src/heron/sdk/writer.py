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
        self._seq = first_seq - 1
        self._last_beat = time.time()
        self._warned_full = False
        self._warned_error = False
        self._written = 0
        self.scan_media = False
        """Set once media has been logged: only then are history rows scanned for it."""
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="heron-writer", daemon=True)
        self._thread.start()

    def put(self, record: r.Record) -> None:
        """Queue a record; never blocks unless the queue is full."""
        queue = self._queue
        if len(queue) >= self.max_queue:
            self._wait_for_room()
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
        return not self._queue and not self._pending

    def close(self, timeout: float = 60.0) -> bool:
        """Drain the queue, stop the thread; spool what could not be written. True if all landed."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        self._drain_once()  # anything queued after the thread's last pass
        landed = not self._pending and not self._queue
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
        while True:
            stopping = self._stop.is_set()
            ok = self._drain_once()
            with self._idle:
                self._idle.notify_all()
            if stopping:
                return
            backoff = self.flush_interval if ok else min(backoff * 2, 5.0)
            self._wake.wait(backoff)
            self._wake.clear()

    def _drain_once(self) -> bool:
        """Take what is queued into a batch and write pending batches; False on a failure."""
        queue = self._queue
        items: list[r.Record] = [queue.popleft() for _ in range(len(queue))]
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
        while self._pending:
            batch = self._pending[0]
            try:
                self.sink.write(batch)
            except Exception as exc:
                self.error = exc
                if not self._warned_error:
                    self._warned_error = True
                    print(f"heron: writing to {getattr(self.sink, 'url', 'the store')} failed "
                          f"({type(exc).__name__}: {exc}); retrying, nothing is lost",
                          file=sys.stderr)
                return False
            self._pending.pop(0)
            self._written += len(batch.records)
            if self._warned_error:
                self._warned_error = False
                print("heron: writing works again", file=sys.stderr)
        return True

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
        """Keep unwritten batches on disk so ``heron sync`` can deliver them later."""
        if self.spool_dir is None:
            return
        pending = list(self._pending)
        if self._queue:
            self._seq += 1
            pending.append(r.Batch(project=self.project, run_id=self.run_id, entity=self.entity,
                                   seq=self._seq, records=list(self._queue)))
        if not pending:
            return
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        path = self.spool_dir / f"spool-{pending[0].seq:08d}.msgpack"
        path.write_bytes(r.encode(pending))
        print(f"heron: {sum(len(b.records) for b in pending)} records could not be written to "
              f"the store; they are kept in {path} (run `heron sync` to deliver them)",
              file=sys.stderr)
