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
    """Feeds chunks to SHA-256 and MD5 and counts them, for streams hashed as they pass."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.sha256.update(chunk)
        self.md5.update(chunk)
        self.size += len(chunk)


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


class MediaStorage(Protocol):
    """The bytes side of a store. Keys are media keys (``MEDIA_KEY``)."""

    description: str
    """Where it is, for messages: a folder path or ``s3://bucket/prefix``."""

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` content-addressed; its key. ``MediaWriteError`` when it cannot."""
        ...

    def put_stream(self, chunks: Iterable[bytes], suffix: str,
                   expect: str | None = None) -> tuple[str, Hashing]:
        """Store a stream, hashed as it passes (never held whole); its key and hashes.

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
        """The stored file on this machine's disk (a folder backend); None otherwise."""
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
