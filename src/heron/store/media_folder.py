"""``FolderMediaStorage``: media in a local folder (``<root>/media/ab/<sha256><suffix>``)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from heron.errors import NotFound, ValueRejected
from heron.media.base import DirectoryMediaWriter, MediaWriteError
from heron.store.media_storage import (
    Hashing,
    IncomingUploads,
    UploadPlan,
    check_media_key,
    check_state_name,
    check_suffix,
    media_key,
)


def place_file(source: Path, target: Path) -> None:
    """Put ``source`` at ``target`` (a hard link where the filesystem allows, else a copy);
    the target appears whole or not at all."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
    tmp.replace(target)


def why_failed(exc: OSError) -> str:
    return f"{exc.strerror or exc} ({type(exc).__name__})"


def folder_problem(folder: Path) -> str | None:
    """Why no file can be created in ``folder``, or None. A folder that does not exist yet is
    checked where it would be made (its nearest existing parent); nothing is left behind."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    try:
        handle, name = tempfile.mkstemp(dir=existing, prefix=".heron-write-check-")
    except OSError as exc:
        return why_failed(exc)
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None


class FolderMediaStorage:
    """Media files under ``root``; the server sends them itself (no presigned URLs)."""

    incoming: IncomingUploads | None = None
    """Uploads reach a folder only through the server."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.description = str(self.root / "media")
        self._writer = DirectoryMediaWriter(self.root)

    def _path(self, rel: str) -> Path:
        return self.root / check_media_key(rel)

    def _write_error(self, exc: OSError) -> MediaWriteError:
        return MediaWriteError(
            f"cannot write media files in {self.description}: {exc.strerror or exc} "
            f"({type(exc).__name__}); check that the folder exists, is a folder and can be "
            "written, and that its disk is not full")

    def put(self, data: bytes, suffix: str) -> str:
        return self._writer.put(data, check_suffix(suffix))

    def put_stream(self, chunks: Iterable[bytes], suffix: str,
                   expect: str | None = None, md5: bool = False) -> tuple[str, Hashing]:
        check_suffix(suffix)
        hashing = Hashing(md5)
        incoming = self.root / "media" / "incoming"
        try:
            incoming.mkdir(parents=True, exist_ok=True)
            tmp = incoming / f"{secrets.token_hex(8)}.tmp"
        except OSError as exc:
            raise self._write_error(exc) from exc
        try:
            with tmp.open("wb") as out:
                for chunk in chunks:
                    hashing.update(chunk)
                    out.write(chunk)
            rel = media_key(hashing.sha256.hexdigest(), suffix)
            if expect is not None and rel != expect:
                raise ValueRejected(f"the uploaded bytes are {rel}, not {expect}")
            target = self.root / rel
            if target.exists():
                tmp.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise self._write_error(exc) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return rel, hashing

    def put_file(self, source: Path, rel: str) -> None:
        try:
            place_file(source, self._path(rel))
        except OSError as exc:
            raise self._write_error(exc) from exc

    def has(self, rel: str) -> bool:
        return self._path(rel).is_file()

    def size(self, rel: str) -> int | None:
        try:
            return self._path(rel).stat().st_size
        except (OSError, NotFound):
            return None

    def open(self, rel: str) -> AbstractContextManager[IO[bytes]]:
        try:
            return self._path(rel).open("rb")
        except OSError:
            raise NotFound(f"the stored file {rel} is missing from {self.description}"
                           ) from None

    def local_path(self, rel: str) -> Path | None:
        path = self._path(rel)
        if not path.is_file():
            raise NotFound(f"no media file {rel[:200]!r}")
        return path

    def download_url(self, rel: str, filename: str, media_type: str,
                     disposition: str) -> str | None:
        return None

    def browser_origin(self) -> str | None:
        return None

    def plan_upload(self, rel: str, size: int) -> UploadPlan | None:
        return None

    def finish_upload(self, rel: str, token: str, etags: list[str]) -> None:
        raise ValueRejected("this server's media folder takes uploads through the server")

    def put_state(self, name: str, data: bytes) -> None:
        path = self.root / check_state_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def get_state(self, name: str) -> bytes | None:
        path = self.root / check_state_name(name)
        return path.read_bytes() if path.is_file() else None

    def state_names(self, prefix: str) -> Iterator[str]:
        folder = self.root / check_state_name(prefix)
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file() and not path.name.endswith(".tmp"):
                    yield path.relative_to(folder).as_posix()

    def drop_state(self, prefix: str, older_than: float) -> None:
        try:
            for folder in (self.root / check_state_name(prefix)).iterdir():
                if folder.is_dir() and folder.stat().st_mtime < older_than:
                    shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass

    def writable_problem(self) -> str | None:
        return folder_problem(self.root / "media")
