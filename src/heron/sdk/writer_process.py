"""The writer process: a run's store (or server) writes happen in a helper process, as W&B's do.

Why a process: the store's writes cost about as much CPU per row as ``log()`` itself, and in the
training process they compete with the loop for the GIL; importing SQLAlchemy and numpy for
the store costs another ~0.7 s of it. In a helper process they run on another core: ``log()``
keeps its few microseconds, the training process stays small (no store, no numpy), and the
helper still drains everything it was handed if the training process is killed.

The protocol is private to this module. The training process writes frames to the helper's
stdin: a 4-byte little-endian length and a msgpack ``Batch``; a zero length asks the helper to
finish. The helper answers each batch's ``seq`` on stdout once the batch is in the sink or safe
in the run folder's spool, and exits 0 when everything landed (3 when some of it was spooled).
Until a batch is acknowledged the training process keeps its bytes: if the helper dies, they
are written from the training process instead, and nothing is lost.
"""

from __future__ import annotations

import collections
import gc
import json
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from heron import records as r
from heron.sdk.sinks import Sink
from heron.term import set_silent, termwarn

_HEADER = struct.Struct("<I")
PIPE_BYTES = 1 << 20
SPOOLED_EXIT = 3
"""The helper's exit code when some batches could only be spooled to the run folder."""


def direct_sink(target: str, api_key: str | None) -> Sink:
    """The sink that writes to ``target`` from this process: a server URL or a store URL."""
    if target.startswith(("http://", "https://")):
        from heron.sdk.remote import HttpSink

        return HttpSink(target, api_key)
    from heron.sdk.sinks import LocalSink

    return LocalSink(target)


class ProcessSink:
    """A ``Sink`` that hands batches to a writer process, falling back to writing them itself.

    Example (what ``heron.init`` does for an online run):
        >>> sink = ProcessSink("sqlite:///tmp/heron/heron.db", None, options)
    """

    def __init__(self, target: str, api_key: str | None, options: dict[str, Any]) -> None:
        self.url = target
        self._api_key = api_key
        self._options = options
        self._direct: Sink | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._unacked: collections.deque[tuple[int, bytes]] = collections.deque()
        self._lock = threading.Lock()
        self._fallen_back = False

    def bind(self, run_id: str, run_dir: Path) -> None:
        """Name the run whose batches this sink carries (known only after the lookup)."""
        self._options.update(run_id=run_id, run_dir=str(run_dir))

    @property
    def direct(self) -> Sink:
        """The same target written from this process (lookups, and the fallback)."""
        if self._direct is None:
            self._direct = direct_sink(self.url, self._api_key)
        return self._direct

    # -- the Sink interface -----------------------------------------------------------------
    def open(self) -> None:
        if self._proc is not None or self._fallen_back:
            return
        env = dict(os.environ)
        # The helper must import this same heron, wherever it was imported from.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        if self._api_key:
            env["HERON_API_KEY"] = self._api_key
        options = {**self._options, "target": self.url}
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "heron.sdk.writer_process", json.dumps(options)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
                # Its own session: Ctrl-C in the terminal interrupts the script, which then
                # ends the run; the helper must live on to write that end.
                start_new_session=True,
            )
        except OSError as exc:
            termwarn(f"could not start the writer process ({exc}); writing from this process")
            self._fallen_back = True
            return
        _widen_pipe(self._proc.stdin)
        reader = threading.Thread(target=self._read_acks, args=(self._proc.stdout,),
                                  name="heron-writer-acks", daemon=True)
        try:
            reader.start()
            self._reader = reader
        except RuntimeError:
            pass  # interpreter shutdown (a run ended by atexit): the exit code tells instead

    def write(self, batch: r.Batch) -> None:
        if self._fallen_back:
            self._resend()
            self.direct.write(batch)
            return
        if self._proc is None:
            self.open()
            if self._fallen_back:
                self.write(batch)
                return
        assert self._proc is not None and self._proc.stdin is not None
        frame = r.encode(batch)
        with self._lock:
            self._unacked.append((batch.seq, frame))
        try:
            self._proc.stdin.write(_HEADER.pack(len(frame)) + frame)
            self._proc.stdin.flush()
        except (OSError, ValueError) as exc:
            self._fall_back(f"the writer process stopped ({type(exc).__name__}: {exc})")
            self._resend()

    def deliver_media(self, rel: str, source: Path) -> None:
        if self._fallen_back:
            self.direct.deliver_media(rel, source)
        # Otherwise the writer process delivers the file with the batch that refers to it.

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return self.direct.fetch_run(project, run_id, entity)

    def close(self) -> bool:
        """Ask the writer process to finish and wait for it; True if everything landed."""
        landed = True
        proc = self._proc
        if proc is not None and not self._fallen_back:
            try:
                assert proc.stdin is not None
                proc.stdin.write(_HEADER.pack(0))
                proc.stdin.close()
            except (OSError, ValueError):
                pass
            code = proc.wait()
            if self._reader is not None:
                self._reader.join()
            if code in (0, SPOOLED_EXIT):
                # Everything is in the store, or (3) safe in the run folder: the helper said
                # why and where.
                landed = code == 0
                with self._lock:
                    self._unacked.clear()
            else:
                self._fall_back(f"the writer process ended with code {code}")
        if self._fallen_back:
            self._resend()
        if self._direct is not None:
            self._direct.close()
        return landed

    # -- internals ----------------------------------------------------------------------------
    def _read_acks(self, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        for line in stream:
            try:
                seq = int(line)
            except ValueError:
                continue
            with self._lock:
                while self._unacked and self._unacked[0][0] <= seq:
                    self._unacked.popleft()

    def _fall_back(self, why: str) -> None:
        if not self._fallen_back:
            self._fallen_back = True
            termwarn(f"{why}; writing from this process instead")

    def _resend(self) -> None:
        """Write the batches the helper never confirmed (a retry of one that did land is a
        no-op: batches carry their sequence number)."""
        while True:
            with self._lock:
                if not self._unacked:
                    return
                seq, frame = self._unacked[0]
            self.direct.write(r.decode(frame))
            with self._lock:
                if self._unacked and self._unacked[0][0] == seq:
                    self._unacked.popleft()


def _widen_pipe(stream: IO[bytes] | None) -> None:
    """A 1 MiB pipe (Linux; 64 KiB by default): while the helper is busy importing, each of
    its turns with the GIL then takes a megabyte, and the training loop never waits on it."""
    import fcntl

    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    if stream is None or setter is None:
        return
    try:
        fcntl.fcntl(stream.fileno(), setter, PIPE_BYTES)
    except OSError:
        pass  # a lower system limit: the default pipe works, only slower


# -- the helper's side ----------------------------------------------------------------------
def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def serve(options: dict[str, Any], source: IO[bytes], acks: IO[bytes]) -> int:
    """Write the batches read from ``source`` to the target, acknowledging each on ``acks``;
    returns the exit code (0: everything landed, ``SPOOLED_EXIT``: some was spooled)."""
    from heron.sdk.writer import Writer

    set_silent(bool(options.get("silent")))
    # Reading the pipe must not wait behind the writer thread's long stretches (the store's
    # import, a batch's columns): hand the GIL over ten times as often as Python's default.
    sys.setswitchinterval(0.0005)
    sink = direct_sink(options["target"], os.environ.get("HERON_API_KEY"))
    lock = threading.Lock()

    def ack(seq: int) -> None:
        with lock:
            try:
                acks.write(b"%d\n" % seq)
                acks.flush()
            except (OSError, ValueError):
                pass  # the training process is gone: nobody to tell

    writer = Writer(
        sink, options["project"], options["run_id"], options.get("entity", ""),
        run_dir=Path(options["run_dir"]), flush_interval=options.get("flush_interval", 0.25),
        heartbeat_seconds=float("inf"), spool_max_bytes=int(options["spool_max_bytes"]),
        on_done=ack,
    )
    # Media arrive already written to the run folder; each batch says whether its rows may
    # refer to any (``Batch.media``), and the writer delivers those files before the batch.
    writer.resolve_media = False
    # Decoded batches are short-lived and acyclic: collecting them costs more than they do.
    # Once the store's modules are loaded they are frozen out of the collector's scans.
    gc.set_threshold(100_000, 50, 100)
    frozen = False
    while True:
        if not frozen and writer.opened.is_set():
            frozen = True
            gc.freeze()
        header = _read_exact(source, _HEADER.size)
        if header is None:
            break  # the training process died: write what arrived, then stop
        (size,) = _HEADER.unpack(header)
        if size == 0:
            break
        frame = _read_exact(source, size)
        if frame is None:
            break
        writer.put_frame(frame)
    landed = writer.close(timeout=float(options.get("finish_timeout", 30.0)))
    return 0 if landed else SPOOLED_EXIT


def main() -> None:
    options = json.loads(sys.argv[1])
    sys.exit(serve(options, sys.stdin.buffer, sys.stdout.buffer))


if __name__ == "__main__":
    main()
