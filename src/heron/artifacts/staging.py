"""Files added to an artifact are copied once into a content-addressed staging folder while they
are hashed (one read of each file), as W&B's default ``policy="mutable"`` does: a script that
changes a file after adding it does not change what is logged, and logging hard-links the
staged copy into the run instead of reading it again."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
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


def stage_file(source: Path) -> Staged:
    """Copy ``source`` into the staging folder, hashing it on the way. ``ValueRejected`` when
    the file changed while it was read (its size or modification time moved)."""
    before = source.stat()
    folder = staging_dir()
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".part-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        after = source.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) \
                or size != after.st_size:
            raise ValueRejected(f"{source} changed while it was being added to the artifact; "
                                "add it again once it is written")
        sha = digest.hexdigest()
        target = folder / sha[:2] / sha
        if target.exists():
            tmp.unlink()
        else:
            target.parent.mkdir(exist_ok=True)
            tmp.replace(target)
        return Staged(sha, size, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
