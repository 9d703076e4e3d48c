"""The contract between media values and the place their files are stored."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from heron.errors import StoreError


class MediaWriter(Protocol):
    """Stores media bytes and says under which relative path they can be read back."""

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data`` content-addressed and return its path relative to the media root."""
        ...


class Media:
    """Base class of values that serialise to a file plus a small JSON reference.

    ``to_json`` is memoised: the background writer may serialise the same object for the
    history row and for the summary, and the file must be written once.
    """

    _json: dict[str, Any] | None = None

    def to_json(self, writer: MediaWriter) -> dict[str, Any]:
        if self._json is None:
            self._json = self._to_json(writer)
        return self._json

    def _to_json(self, writer: MediaWriter) -> dict[str, Any]:
        raise NotImplementedError


class MediaWriteError(StoreError, OSError):
    """The media folder cannot be written (read-only, not a folder, disk full).

    A ``StoreError``: the server answers 503 and the SDK keeps the file and retries. An
    ``OSError``: code that already handles a failing disk (the SDK's writer, for its own run
    folder) handles this one the same way."""


class DirectoryMediaWriter:
    """A ``MediaWriter`` over a local folder: ``media/<sha256[:2]>/<sha256><suffix>``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes, suffix: str) -> str:
        """Raises ``MediaWriteError`` (naming the folder and the reason) when the folder
        cannot be written."""
        digest = hashlib.sha256(data).hexdigest()
        rel = f"media/{digest[:2]}/{digest}{suffix}"
        target = self.root / rel
        try:
            if not target.exists():  # may raise too: a folder that cannot be searched
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(target.name + ".tmp")
                tmp.write_bytes(data)
                tmp.replace(target)
        except OSError as exc:
            raise MediaWriteError(
                f"cannot write media files in {self.root / 'media'}: "
                f"{exc.strerror or exc} ({type(exc).__name__}"
                f"{f', {exc.filename}' if exc.filename else ''}); check that the folder "
                "exists, is a folder and can be written, and that its disk is not full"
            ) from exc
        return rel


_MEDIA_PATH = re.compile(r"^media/[0-9a-f]{2}/[0-9a-f]{64}[A-Za-z0-9._-]{0,24}$")


def referenced_paths(value: Any) -> Iterator[str]:
    """The media files a stored value (a media reference, possibly nested) points to.

    Every media file is content-addressed (``media/<sha[:2]>/<sha><suffix>``), so the paths
    are found by their shape wherever a media type nests them (tables, image lists, masks).

    Example:
        >>> list(referenced_paths({"_type": "image-file", "path": "media/ab/ab...cd.png"}))
    """
    if isinstance(value, str):
        if value.startswith("media/") and _MEDIA_PATH.match(value):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            if isinstance(item, (str, dict, list)):
                yield from referenced_paths(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (str, dict, list)):
                yield from referenced_paths(item)
