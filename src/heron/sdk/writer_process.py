"""The writer process: store (or server) writes happen in a helper process, as W&B's do.

Why a process: the store's writes cost about as much CPU per row as ``log()`` itself, and in the
training process they compete with the loop for the GIL; importing SQLAlchemy and numpy for
the store costs another ~0.7 s of it. In a helper process they run on another core: ``log()``
keeps its few microseconds, the training process stays small (no store, no numpy), and the
helper still writes what it was handed if the training process is killed.

One helper serves every run of a training process (a notebook, an in-process sweep agent),
so only the first run pays for starting it. The protocol is private to this module. The
training process writes frames to the helper's stdin: a header (payload length, kind,
channel) and a payload; each run is a channel. ``OPEN`` carries the run's options as JSON,
``BATCH`` a msgpack ``Batch``, ``CLOSE`` asks for the run to be finished. The helper answers on
stdout: ``ack <channel> <seq>`` once a batch is in the store or safe in the run folder's
spool, and ``closed <channel> <code>`` when a run is done (0: everything landed, 3: some was
spooled, and the helper said why). Until a batch is acknowledged the training process keeps
its bytes: if the helper dies they are written from the training process, and nothing is lost.
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
import time
from pathlib import Path
from typing import IO, Any

from heron import records as r
from heron.sdk.sinks import Sink
from heron.term import set_silent, termwarn

_HEADER = struct.Struct("<IBI")
OPEN, BATCH, CLOSE = 1, 2, 3
PIPE_BYTES = 1 << 20
CLOSE_MARGIN_SECONDS = 600.0
"""How much longer than ``finish_timeout`` a run's close waits for the writer process."""
SPOOLED_EXIT = 3
"""A run's close code when some batches could only be spooled to the run folder."""


def start_writer_process() -> None:
    """Start this process's writer process now, not at the first run (``heron.setup``);
    raises ``OSError`` when it cannot start."""
    _Service.get()


def stop_writer_process(timeout: float = 30.0) -> None:
    """End the writer process this process started, if any (after its runs have finished)."""
    _Service.stop(timeout)


def direct_sink(target: str, api_key: str | None) -> Sink:
    """The sink that writes to ``target`` from this process: a server URL or a store URL."""
    if target.startswith(("http://", "https://")):
        from heron.sdk.remote import HttpSink

        return HttpSink(target, api_key)
    from heron.sdk.sinks import LocalSink

    return LocalSink(target)


class _Service:
    """The training process's side of its writer process: one pipe, one acknowledgement reader."""

    _current: _Service | None = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> _Service:
        """This process's service, started on first use (a forked child starts its own)."""
        with cls._lock:
            if cls._current is None or cls._current.pid != os.getpid() or cls._current.dead:
                cls._current = _Service()
            return cls._current

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.dead = False
        self._channels: dict[int, ProcessSink] = {}
        self._next = 0
        self._write_lock = threading.Lock()
        env = dict(os.environ)
        # The helper must import this same heron, wherever it was imported from.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "heron.sdk.writer_process"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
            # Its own session: Ctrl-C in the terminal interrupts the script, which then ends
            # its runs; the helper must live on to write those ends.
            start_new_session=True,
        )
        _widen_pipe(self.proc.stdin)
        self._reader = threading.Thread(target=self._read, name="heron-writer-acks",
                                        daemon=True)
        try:
            self._reader.start()
        except RuntimeError:  # interpreter shutdown: a thread cannot start any more
            self.proc.kill()
            raise OSError("the interpreter is shutting down") from None

    @classmethod
    def stop(cls, timeout: float = 30.0) -> None:
        """End this process's writer process, if it started one: its input closes, it
        finishes what it was handed and exits (``heron.teardown``). A later run starts anew."""
        with cls._lock:
            service, cls._current = cls._current, None
        if service is None or service.pid != os.getpid():
            return
        try:
            if service.proc.stdin is not None:
                service.proc.stdin.close()
            service.proc.wait(timeout)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass  # it finishes on its own: its input is closed
        service._reader.join(timeout=1.0)

    def attach(self, sink: ProcessSink) -> int:
        with self._write_lock:
            self._next += 1
            self._channels[self._next] = sink
            return self._next

    def send(self, kind: int, channel: int, payload: bytes) -> None:
        """Write one frame; raises ``OSError`` when the helper is gone."""
        stdin = self.proc.stdin
        if self.dead or stdin is None:
            raise BrokenPipeError("the writer process has stopped")
        try:
            with self._write_lock:
                stdin.write(_HEADER.pack(len(payload), kind, channel) + payload)
                stdin.flush()
        except (OSError, ValueError) as exc:
            self._died()
            raise BrokenPipeError(str(exc)) from exc

    def _read(self) -> None:
        stream = self.proc.stdout
        if stream is not None:
            for line in stream:
                parts = line.split()
                if len(parts) != 3 or not parts[1].isdigit():
                    continue
                channel, value = int(parts[1]), int(parts[2])
                sink = self._channels.get(channel)
                if sink is None:
                    continue
                if parts[0] == b"ack":
                    sink._acked(value)
                elif parts[0] == b"closed":
                    self._channels.pop(channel, None)
                    sink._closed(value)
        self._died()

    def _died(self) -> None:
        if not self.dead:
            self.dead = True
            for sink in list(self._channels.values()):
                sink._closed(None)
            self._channels.clear()


class ProcessSink:
    """A ``Sink`` that hands a run's batches to the writer process, falling back to writing
    them itself if the process cannot start or stops.

    Example (what ``heron.init`` does for an online run):
        >>> sink = ProcessSink("sqlite:///tmp/heron/heron.db", None, {"project": "p", ...})
    """

    def __init__(self, target: str, api_key: str | None, options: dict[str, Any]) -> None:
        self.url = target
        self._api_key = api_key
        self._options = options
        self._direct: Sink | None = None
        self._service: _Service | None = None
        self._channel = 0
        self._unacked: collections.deque[tuple[int, bytes]] = collections.deque()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._close_code: int | None = None
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
        if self._service is not None or self._fallen_back:
            return
        try:
            service = _Service.get()
            channel = service.attach(self)
            options = {**self._options, "target": self.url, "api_key": self._api_key}
            service.send(OPEN, channel, json.dumps(options).encode())
        except OSError as exc:
            self._fall_back(f"could not start the writer process ({exc})")
            return
        self._service, self._channel = service, channel

    def write(self, batch: r.Batch) -> None:
        if self._service is None and not self._fallen_back:
            self.open()
        if self._fallen_back:
            self._resend()
            self.direct.write(batch)
            return
        assert self._service is not None
        frame = r.encode(batch)
        with self._lock:
            self._unacked.append((batch.seq, frame))
        try:
            self._service.send(BATCH, self._channel, frame)
        except OSError as exc:
            self._fall_back(f"the writer process stopped ({exc})")
            self._resend()

    def deliver_media(self, files: list[tuple[str, Path]]) -> None:
        if self._fallen_back:
            self.direct.deliver_media(files)
        # Otherwise the writer process delivers the file with the batch that refers to it.

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        return self.direct.fetch_run(project, run_id, entity)

    def flush(self, timeout: float) -> bool:
        """Wait until the writer process has confirmed every batch handed to it."""
        deadline = time.monotonic() + timeout
        while self._unacked and not self._fallen_back and not self._done.is_set() and (
                time.monotonic() < deadline):
            time.sleep(0.005)
        if self._fallen_back:
            self._resend()
        return not self._unacked

    def close(self) -> bool:
        """Finish the run in the writer process and wait for it; True if everything landed."""
        landed = True
        if self._service is not None and not self._fallen_back:
            try:
                self._service.send(CLOSE, self._channel, b"")
            except OSError:
                pass  # _closed(None) has been called: the fallback below takes over
            # A helper that never answers must not hang finish() for good: after its own
            # retry window and a generous margin, this process writes what is unconfirmed.
            limit = float(self._options.get("finish_timeout", 30.0)) + CLOSE_MARGIN_SECONDS
            code = self._close_code if self._done.wait(limit) else None
            if code in (0, SPOOLED_EXIT):
                landed = code == 0  # 3: the helper said why and where the batches wait
                with self._lock:
                    self._unacked.clear()
            else:
                self._fall_back("the writer process stopped before the run was written")
        if self._fallen_back:
            self._resend()
        if self._direct is not None:
            self._direct.close()
        return landed

    # -- called by the service's reader thread --------------------------------------------------
    def _acked(self, seq: int) -> None:
        with self._lock:
            while self._unacked and self._unacked[0][0] <= seq:
                self._unacked.popleft()

    def _closed(self, code: int | None) -> None:
        self._close_code = code
        self._done.set()

    # -- internals ----------------------------------------------------------------------------
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
    try:
        import fcntl
    except ImportError:  # Windows
        return
    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    if stream is None or setter is None:
        return
    try:
        fcntl.fcntl(stream.fileno(), setter, PIPE_BYTES)
    except OSError:
        pass  # a lower system limit: the default pipe works, only slower


# -- the helper's side ----------------------------------------------------------------------
def _read_exact(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size) if size else b""
    return data if data is not None and len(data) == size else None


class _Replies:
    """The helper's stdout, shared by every run's writer thread."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def say(self, text: str) -> None:
        with self._lock:
            try:
                self._stream.write(text.encode() + b"\n")
                self._stream.flush()
            except (OSError, ValueError):
                pass  # the training process is gone: nobody to tell


def _open_writer(options: dict[str, Any], channel: int, replies: _Replies) -> Any:
    from heron.sdk.writer import Writer

    sink = direct_sink(options["target"], options.get("api_key"))
    writer = Writer(
        sink, options["project"], options["run_id"], options.get("entity", ""),
        run_dir=Path(options["run_dir"]), flush_interval=options.get("flush_interval", 0.25),
        heartbeat_seconds=float("inf"), spool_max_bytes=int(options["spool_max_bytes"]),
        on_done=lambda seq: replies.say(f"ack {channel} {seq}"),
    )
    # Media arrive already written to the run folder; each batch says whether its rows may
    # refer to any (``Batch.media``), and the writer delivers those files before the batch.
    writer.resolve_media = False
    return writer


def _close_writer(writer: Any, timeout: float, channel: int, replies: _Replies) -> None:
    landed = writer.close(timeout=timeout)
    replies.say(f"closed {channel} {0 if landed else SPOOLED_EXIT}")


def serve(source: IO[bytes], out: IO[bytes]) -> int:
    """Write the runs' batches read from ``source``, answering on ``out``, until ``source``
    ends (the training process exited or died); every open run is then finished."""
    # Reading the pipe must not wait behind the writer threads' long stretches (the store's
    # import, a batch's columns): hand the GIL over ten times as often as Python's default.
    sys.setswitchinterval(0.0005)
    # Decoded batches are short-lived and acyclic: collecting them costs more than they do.
    # Once the store's modules are loaded they are frozen out of the collector's scans.
    gc.set_threshold(100_000, 50, 100)
    frozen = False
    replies = _Replies(out)
    writers: dict[int, tuple[Any, float]] = {}
    closing: list[threading.Thread] = []
    while True:
        header = _read_exact(source, _HEADER.size)
        if header is None:
            break
        size, kind, channel = _HEADER.unpack(header)
        payload = _read_exact(source, size)
        if payload is None:
            break
        if kind == OPEN:
            options = json.loads(payload)
            set_silent(bool(options.get("silent")))
            writers[channel] = (_open_writer(options, channel, replies),
                                float(options.get("finish_timeout", 30.0)))
        elif kind == BATCH and channel in writers:
            writer = writers[channel][0]
            if not frozen and writer.opened.is_set():
                frozen = True
                gc.freeze()
            writer.put_frame(payload)
        elif kind == CLOSE and channel in writers:
            writer, timeout = writers.pop(channel)
            thread = threading.Thread(target=_close_writer, name=f"heron-close-{channel}",
                                      args=(writer, timeout, channel, replies))
            thread.start()
            closing.append(thread)
    # The training process is gone: finish what it handed over, then stop.
    for channel, (writer, timeout) in writers.items():
        _close_writer(writer, timeout, channel, replies)
    for thread in closing:
        thread.join()
    return 0


def main() -> None:
    sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))


if __name__ == "__main__":
    main()
