"""An artifact the official client is still sending (between ``CreateArtifact`` and
``CommitArtifact``): what it announced, its manifest, which MD5 each uploaded file had, and,
once committed, the Heron version it became.

It lives in the media storage's internal files (``wandb-artifacts/<token>/...``: a folder
beside the media, or keys in the bucket), one small file per fact, so parallel uploads (and
several server replicas) never write the same file. Heron's tables only ever hold committed
versions.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from heron.errors import NotFound
from heron.store.media_storage import MediaStorage

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
    """One pending artifact's files."""

    def __init__(self, storage: MediaStorage, token: str) -> None:
        self.storage = storage
        self.token = token

    def _name(self, name: str) -> str:
        return f"{FOLDER}/{self.token}/{name}"

    @classmethod
    def create(cls, storage: MediaStorage, announced: Announced) -> Pending:
        pending = cls(storage, secrets.token_hex(16))
        storage.put_state(pending._name("announced.json"), json.dumps(asdict(announced)).encode())
        storage.drop_state(FOLDER, time.time() - KEEP_SECONDS)
        return pending

    @classmethod
    def open(cls, storage: MediaStorage, token: str) -> Pending:
        """``NotFound`` for a token this server did not hand out (or long gone)."""
        pending = cls(storage, token)
        if not _TOKEN.match(token) or storage.get_state(pending._name("announced.json")) is None:
            raise NotFound(f"no pending artifact {token[:40]!r}: create it again")
        return pending

    def announced(self) -> Announced:
        data = self.storage.get_state(self._name("announced.json"))
        if data is None:
            raise NotFound(f"pending artifact {self.token} is gone: create it again")
        return Announced(**json.loads(data))

    def save_manifest(self, data: bytes) -> None:
        self.storage.put_state(self._name("manifest.json"), data)

    def manifest(self) -> bytes | None:
        return self.storage.get_state(self._name("manifest.json"))

    def save_upload(self, md5_hex: str, sha256: str, media: str, size: int) -> None:
        self.storage.put_state(self._name(f"uploads/{md5_hex}.json"),
                               json.dumps(asdict(Upload(sha256, media, size))).encode())

    def upload(self, md5_hex: str) -> Upload | None:
        data = self.storage.get_state(self._name(f"uploads/{md5_hex}.json"))
        return Upload(**json.loads(data)) if data is not None else None

    def commit(self, version_id: int) -> None:
        self.storage.put_state(self._name("version"), str(version_id).encode())

    def version_id(self) -> int | None:
        """The Heron version it became, once committed."""
        data = self.storage.get_state(self._name("version"))
        return int(data) if data is not None else None
