"""The contract between media values and the place their files are stored."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol


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


class DirectoryMediaWriter:
    """A ``MediaWriter`` over a local folder: ``media/<sha256[:2]>/<sha256><suffix>``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes, suffix: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        rel = f"media/{digest[:2]}/{digest}{suffix}"
        target = self.root / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
        return rel
