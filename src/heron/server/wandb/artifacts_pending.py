"""An artifact the official client is still sending (between ``CreateArtifact`` and
``CommitArtifact``): what it announced, its manifest, which MD5 each uploaded file had, and,
once committed, the Heron version it became.

It lives in a folder of its own beside the media (``<media root>/wandb-artifacts/<token>``),
one small file per fact, so parallel uploads (and several server processes) never write the
same file. Heron's tables only ever hold committed versions.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from heron.errors import NotFound

FOLDER = "wandb-artifacts"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
KEEP_SECONDS = 7 * 86400.0
"""How long a pending artifact's folder is kept (a client that died mid-upload)."""


@dataclass
class Announced:
    """What ``CreateArtifact`` said about the version to come."""

    run_pk: int
    entity: str
    project: str
    run_id: str
    name: str
    type: str
    description: str | None
    metadata: dict[str, Any]
    aliases: list[str]
    user: str | None
    created_at: float = field(default_factory=time.time)


@dataclass
class Upload:
    sha256: str
    media: str
    size: int


class Pending:
    """One pending artifact's folder."""

    def __init__(self, folder: Path, token: str) -> None:
        self.folder = folder
        self.token = token

    @classmethod
    def create(cls, media_root: Path, announced: Announced) -> Pending:
        token = secrets.token_hex(16)
        folder = Path(media_root) / FOLDER / token
        (folder / "uploads").mkdir(parents=True)
        _write(folder / "announced.json", json.dumps(asdict(announced)).encode())
        _sweep(Path(media_root) / FOLDER)
        return cls(folder, token)

    @classmethod
    def open(cls, media_root: Path, token: str) -> Pending:
        """``NotFound`` for a token this server did not hand out (or long gone)."""
        folder = Path(media_root) / FOLDER / token
        if not _TOKEN.match(token) or not (folder / "announced.json").is_file():
            raise NotFound(f"no pending artifact {token[:40]!r}: create it again")
        return cls(folder, token)

    def announced(self) -> Announced:
        return Announced(**json.loads((self.folder / "announced.json").read_bytes()))

    def save_manifest(self, data: bytes) -> None:
        _write(self.folder / "manifest.json", data)

    def manifest(self) -> bytes | None:
        path = self.folder / "manifest.json"
        return path.read_bytes() if path.is_file() else None

    def save_upload(self, md5_hex: str, sha256: str, media: str, size: int) -> None:
        _write(self.folder / "uploads" / f"{md5_hex}.json",
               json.dumps(asdict(Upload(sha256, media, size))).encode())

    def upload(self, md5_hex: str) -> Upload | None:
        path = self.folder / "uploads" / f"{md5_hex}.json"
        return Upload(**json.loads(path.read_bytes())) if path.is_file() else None

    def commit(self, version_id: int) -> None:
        _write(self.folder / "version", str(version_id).encode())

    def version_id(self) -> int | None:
        """The Heron version it became, once committed."""
        path = self.folder / "version"
        return int(path.read_text()) if path.is_file() else None


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _sweep(root: Path) -> None:
    """Remove pending folders older than ``KEEP_SECONDS`` (cheap: by the folder's time)."""
    cutoff = time.time() - KEEP_SECONDS
    try:
        for folder in root.iterdir():
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
    except OSError:
        pass
