"""Files added to an artifact are hashed and copied once into a content-addressed staging
folder, as W&B's default ``policy="mutable"`` does: a script that changes a file after adding
it does not change what is logged, a file staged before (the same data logged again) is only
read, and logging hard-links the staged copy into the run instead of reading it again.

Speed (issue 12: >= 400 MB/s): a file of at most ``BUFFER`` bytes is read once, into a buffer
that its thread reuses; the SHA-256 and, when the content is new, the staged copy are made
from that one buffer. Larger files are hashed in ``BUFFER`` reads and then copied by the
kernel. ``stage_files`` stages several files at once in threads: hashlib, reads and writes
all release the GIL on buffers this large.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from heron.errors import ValueRejected

BUFFER = 4 << 20
"""Each staging thread's reusable read buffer; a file this size or smaller is read once."""
THREADS = max(2, min(4, os.cpu_count() or 1))
"""Files staged at once by ``stage_files`` (two keep two cores busy; more wait on I/O)."""

_buffers = threading.local()


@dataclass(frozen=True)
class Staged:
    """A file's content: its SHA-256, size and staged copy."""

    sha256: str
    size: int
    path: Path


def staging_dir() -> Path:
    """``HERON_DIR/artifacts/staging`` (made on first use)."""
    from heron.sdk.settings import resolve

    folder = resolve(None).store_dir / "artifacts" / "staging"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _buffer() -> memoryview:
    """This thread's read buffer (made on its first use)."""
    view: memoryview | None = getattr(_buffers, "view", None)
    if view is None:
        view = _buffers.view = memoryview(bytearray(BUFFER))
    return view


def _changed(source: Path, detail: str = "") -> ValueRejected:
    return ValueRejected(f"{source} changed while it was being added to the artifact{detail}; "
                         "add it again once it is written")


def _check_unchanged(source: Path, before: os.stat_result) -> None:
    after = source.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise _changed(source)


def _publish(target: Path, write: Callable[[Path], None]) -> None:
    """Write the content through ``write(tmp)`` and move it to ``target`` (a concurrent
    stager of the same content moves the same bytes there: either one wins)."""
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        write(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def stage_file(source: Path, folder: Path | None = None) -> Staged:
    """Hash ``source`` and, unless that content is staged already (the same file logged
    again: one read, nothing written), copy it into the staging folder (``folder``, default
    ``staging_dir()``). ``ValueRejected`` when the file changed meanwhile (its size or
    modification time moved, or it did not hold the size it had)."""
    root = folder or staging_dir()
    before = source.stat()
    view = _buffer()
    digest = hashlib.sha256()
    with source.open("rb", buffering=0) as f:
        got = f.readinto(view)
        whole = got < len(view)  # the whole file is in the buffer: no second read
        size = got
        digest.update(view[:got])
        while not whole and (got := f.readinto(view)):
            digest.update(view[:got])
            size += got
    if size != before.st_size:
        raise _changed(source, f" ({before.st_size} bytes, then {size} read)")
    sha = digest.hexdigest()
    target = root / sha[:2] / sha
    if not target.exists():
        if whole:
            def from_buffer(tmp: Path) -> None:
                with tmp.open("wb", buffering=0) as out:
                    written = 0
                    while written < size:  # a raw write may take less than it is given
                        written += out.write(view[written:size]) or 0
            _publish(target, from_buffer)
        else:
            def from_source(tmp: Path) -> None:
                shutil.copyfile(source, tmp)  # the kernel's copy, from the page cache
                if tmp.stat().st_size != size:
                    raise _changed(source)
            _publish(target, from_source)
    _check_unchanged(source, before)
    return Staged(sha, size, target)


def stage_files(sources: Sequence[Path], folder: Path | None = None) -> list[Staged]:
    """``stage_file`` of each source, ``THREADS`` at a time; in the order given. The first
    file that fails raises its error (those staged meanwhile stay staged: staging is a cache)."""
    root = folder or staging_dir()
    if len(sources) < 2:
        return [stage_file(s, root) for s in sources]
    with ThreadPoolExecutor(THREADS, thread_name_prefix="heron-stage") as pool:
        return list(pool.map(lambda s: stage_file(s, root), sources))


def stage_bytes(data: bytes) -> Staged:
    folder = staging_dir()
    sha = hashlib.sha256(data).hexdigest()
    target = folder / sha[:2] / sha
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_name(f".{sha}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return Staged(sha, len(data), target)


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def copy_into(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (never a link: the user may edit what they download)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
