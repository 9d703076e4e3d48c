"""Where a store keeps media bytes: a local folder or an S3-compatible bucket.

Every media file is content-addressed, ``media/<sha256[:2]>/<sha256><suffix>``, so a key names
its bytes: a file stored once is never stored again, and a stored key never changes. Both
backends also keep a few small internal files (``state``: the official client's pending
artifacts) beside the media, so that several server replicas sharing the storage see them.

``media_storage(spec)`` picks the backend: a path (or ``file://`` URL) is a folder,
``s3://bucket/prefix`` a bucket (endpoint, region and credentials come from boto3's usual
environment: ``AWS_ENDPOINT_URL``, ``AWS_REGION``, ``AWS_ACCESS_KEY_ID``...).

Example:
    >>> storage = media_storage("s3://team-bucket/heron")
    >>> rel = storage.put(b"...", ".png")      # "media/ab/ab12...ef.png"
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from heron.errors import NotFound, ValueRejected

MEDIA_KEY = re.compile(r"^media/[0-9a-f]{2}/[0-9a-f]{64}[A-Za-z0-9._-]{0,24}$")
"""The shape of every stored media key; nothing else is read or written under ``media/``."""
_SUFFIX = re.compile(r"^[A-Za-z0-9._-]{0,24}$")
_STATE_NAME = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*$")


def media_key(sha256_hex: str, suffix: str) -> str:
    """The key of content whose SHA-256 is ``sha256_hex``, stored with ``suffix``."""
    return f"media/{sha256_hex[:2]}/{sha256_hex}{suffix}"


def check_media_key(rel: str) -> str:
    """``rel`` if it is a media key; ``NotFound`` otherwise (a record's path comes from a
    client and must never make the store read anything else)."""
    if not MEDIA_KEY.match(rel):
        raise NotFound(f"no media file {rel[:200]!r}")
    return rel


def check_suffix(suffix: str) -> str:
    if not _SUFFIX.match(suffix):
        raise ValueRejected(f"suffix {suffix[:60]!r} may only hold up to 24 letters, digits, "
                            "'.', '_', '-'")
    return suffix


def check_state_name(name: str) -> str:
    if not _STATE_NAME.match(name) or ".." in name:
        raise ValueRejected(f"internal file name {name[:80]!r} is not a plain relative name")
    return name


def sha256_of_key(rel: str) -> str:
    """The SHA-256 a media key names."""
    return rel.split("/")[2][:64]


class Hashing:
    """Feeds chunks to SHA-256 (and to MD5 when asked: only the official client's artifact
    files are named by it) and counts them, for streams hashed as they pass."""

    def __init__(self, md5: bool = False) -> None:
        self.sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False) if md5 else None
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.sha256.update(chunk)
        if self._md5 is not None:
            self._md5.update(chunk)
        self.size += len(chunk)

    def md5_hex(self) -> str:
        if self._md5 is None:
            raise ValueError("this stream was not hashed with MD5 (Hashing(md5=True))")
        return self._md5.hexdigest()


@dataclass
class UploadPlan:
    """How a client sends one file straight to the storage (see ``MediaStorage.plan_upload``).

    ``parts`` are presigned PUT URLs, one per ``part_size`` slice of the file (one part for a
    single PUT); ``headers`` must go with every part. ``token`` is the storage's own note
    (a temporary key and a multipart upload id) that ``finish_upload`` takes back."""

    parts: list[str]
    part_size: int
    token: str
    headers: dict[str, str] = field(default_factory=dict)


class IncomingUploads(Protocol):
    """Uploads straight into the storage of files whose hash nobody announced (the official
    ``wandb`` client only takes a URL per file): each lands on a temporary object ``name``
    (under ``incoming/``), and ``adopt`` later reads it through once, makes it the
    content-addressed key and drops the temporary object. Names are the caller's relative
    paths (``wandb-run/<run>/<issued>/<file name>``)."""

    def put_url(self, name: str, content_md5: str | None = None) -> str | None:
        """A presigned PUT URL for ``name``; ``content_md5`` (base64) is signed in, so the
        storage refuses other bytes. None when the storage cannot take that name (too long
        a key): the caller then has the file sent through the server."""
        ...

    def start_multipart(self, name: str, parts: int) -> tuple[str, list[str]]:
        """A multipart upload to ``name``: its id and one presigned URL per part."""
        ...

    def complete_multipart(self, name: str, upload_id: str, etags: list[str]) -> None:
        """Join the parts (their ETags, in order); ``ValueRejected`` when they do not fit."""
        ...

    def names(self, prefix: str) -> list[str]:
        """The uploaded temporary objects under ``prefix`` (full names)."""
        ...

    def adopt(self, name: str, suffix: str, md5_hex: str | None = None
              ) -> tuple[str, Hashing] | None:
        """Store the object ``name`` as the media file its bytes hash to (with ``suffix``) and
        drop it; its key and hashes. None when nothing was uploaded there. ``md5_hex``: the
        MD5 the bytes must have (``ValueRejected``, and the object dropped, when not)."""
        ...

    def drop(self, name: str) -> None:
        """Forget the temporary object ``name`` (bytes that were refused)."""
        ...


class MediaStorage(Protocol):
    """The bytes side of a store. Keys are media keys (``MEDIA_KEY``)."""

    description: str
    """Where it is, for messages: a folder path or ``s3://bucket/prefix``."""

    incoming: IncomingUploads | None
    """Uploads of unannounced files straight into the storage; None for a folder (those go
    through the server)."""

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` content-addressed; its key. ``MediaWriteError`` when it cannot."""
        ...

    def put_stream(self, chunks: Iterable[bytes], suffix: str,
                   expect: str | None = None, md5: bool = False) -> tuple[str, Hashing]:
        """Store a stream, hashed as it passes (never held whole); its key and hashes
        (with the MD5 too when ``md5``).

        ``expect``: the key the caller announced; a stream whose bytes do not match it is
        refused (``ValueRejected``) and nothing is kept."""
        ...

    def put_file(self, source: Path, rel: str) -> None:
        """Store the local file ``source`` under ``rel``, which the caller hashed."""
        ...

    def has(self, rel: str) -> bool:
        ...

    def size(self, rel: str) -> int | None:
        """The stored file's size; None when it is missing."""
        ...

    def open(self, rel: str) -> AbstractContextManager[IO[bytes]]:
        """The stored file to read as a stream; ``NotFound`` when it is missing."""
        ...

    def local_path(self, rel: str) -> Path | None:
        """The stored file on this machine's disk (a folder backend, which raises
        ``NotFound`` when the file is missing); None for storage elsewhere (a bucket, whose
        callers check ``has`` when it matters: that is a round trip)."""
        ...

    def download_url(self, rel: str, filename: str, media_type: str,
                     disposition: str) -> str | None:
        """A presigned URL a browser or client can fetch directly; None when the storage
        has none (a folder: the server sends the file itself)."""
        ...

    def browser_origin(self) -> str | None:
        """The origin ``download_url``s point at, for the dashboard's CSP."""
        ...

    def plan_upload(self, rel: str, size: int) -> UploadPlan | None:
        """Presigned URLs to upload ``rel`` to a temporary place; None when the storage has
        none (the client posts the file to the server)."""
        ...

    def finish_upload(self, rel: str, token: str, etags: list[str]) -> None:
        """Check a planned upload holds the bytes ``rel`` names and make it ``rel``;
        ``ValueRejected`` (and nothing kept) when it does not."""
        ...

    def put_state(self, name: str, data: bytes) -> None:
        ...

    def get_state(self, name: str) -> bytes | None:
        ...

    def state_names(self, prefix: str) -> Iterator[str]:
        """The internal files under ``prefix/`` (names relative to ``prefix``)."""
        ...

    def drop_state(self, prefix: str, older_than: float) -> None:
        """Remove internal folders under ``prefix/`` last written before ``older_than``."""
        ...

    def writable_problem(self) -> str | None:
        """Why media cannot be written here, or None."""
        ...


def media_storage(spec: str | Path) -> MediaStorage:
    """The storage ``spec`` names: ``s3://bucket[/prefix]``, a ``file://`` URL, or a folder.

    Example:
        >>> media_storage("/srv/heron")            # media in /srv/heron/media/...
        >>> media_storage("s3://team/heron")       # media in s3://team/heron/media/...
    """
    text = str(spec)
    if text.startswith("s3://"):
        from heron.store.media_s3 import S3MediaStorage

        return S3MediaStorage.from_url(text)
    if "://" in text and not text.startswith("file://"):
        raise ValueRejected(f"media storage {text!r} is not a folder or an s3:// URL")
    from heron.store.media_folder import FolderMediaStorage

    return FolderMediaStorage(Path(text.removeprefix("file://")))
