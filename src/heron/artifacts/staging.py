"""Files added to an artifact are hashed and copied once into a content-addressed staging
folder, as W&B's default ``policy="mutable"`` does: a script that changes a file after adding
it does not change what is logged, a file staged before (the same data logged again) is only
read, and logging hard-links the staged copy into the run instead of reading it again."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from heron.errors import ValueRejected

CHUNK = 1 << 20


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


def stage_file(source: Path, folder: Path | None = None) -> Staged:
    """Hash ``source`` and, unless that content is staged already (the same file logged
    again: one read, nothing written), copy it into the staging folder (``folder``, default
    ``staging_dir()``). ``ValueRejected`` when the file changed meanwhile (its size or
    modification time moved)."""
    before = source.stat()
    sha = sha256_of(source)
    target = (folder or staging_dir()) / sha[:2] / sha
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        tmp = target.with_name(f".{sha}.{os.getpid()}.part")
        try:
            shutil.copyfile(source, tmp)  # the kernel's copy, from the page cache just read
            after = source.stat()
            if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) \
                    or tmp.stat().st_size != before.st_size:
                raise ValueRejected(f"{source} changed while it was being added to the "
                                    "artifact; add it again once it is written")
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
    after = source.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise ValueRejected(f"{source} changed while it was being added to the artifact; "
                            "add it again once it is written")
    return Staged(sha, before.st_size, target)


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
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_into(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (never a link: the user may edit what they download)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
