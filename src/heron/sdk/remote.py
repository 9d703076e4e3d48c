"""``HttpSink``: a run's batches and media to a heron server, with retries left to the writer."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from heron import records as r
from heron.media.base import DirectoryMediaWriter, MediaWriter

TIMEOUT = 10.0


class RejectedBatch(Exception):
    """The server refused a batch for what it holds (4xx): retrying cannot help."""


class AuthFailed(Exception):
    """The server refused the API key."""


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


class HttpMediaWriter:
    """Keeps each media file in the run folder first, then uploads it before the batch that
    refers to it; a file that could not be uploaded yet is retried with the next batch."""

    def __init__(self, sink: HttpSink, local_root: Path) -> None:
        self._sink = sink
        self._local = DirectoryMediaWriter(local_root)
        self._waiting: dict[str, str] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes, suffix: str) -> str:
        path = self._local.put(data, suffix)
        with self._lock:
            self._waiting[path] = suffix
        self.upload_waiting()
        return path

    def upload_waiting(self) -> None:
        with self._lock:
            waiting = dict(self._waiting)
        for path, suffix in waiting.items():
            data = (self._local.root / path).read_bytes()
            stored = self._sink.upload(data, suffix)
            if stored != path:
                raise RejectedBatch(f"server stored media {path} as {stored}")
            with self._lock:
                self._waiting.pop(path, None)


class HttpSink:
    """Posts batches to ``{host}/api/v1/ingest`` as msgpack."""

    def __init__(self, host: str, api_key: str | None, run_dir: Path) -> None:
        self.url = host.rstrip("/")
        self.api_key = api_key
        self._media = HttpMediaWriter(self, run_dir / "media-cache")
        self.media: MediaWriter = self._media
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=TIMEOUT, headers=_headers(self.api_key))
        return self._client

    def _check(self, response: Any, what: str) -> None:
        if response.status_code in (401, 403):
            raise AuthFailed(f"{self.url} refused the API key ({response.status_code}); set "
                             "HERON_API_KEY or run `heron login`")
        if response.status_code in (408, 425, 429) or response.status_code >= 500:
            response.raise_for_status()
        if response.status_code >= 400:
            raise RejectedBatch(f"{self.url} refused {what}: {response.status_code} "
                                f"{response.text[:300]}")

    def write(self, batch: r.Batch) -> None:
        self._media.upload_waiting()
        response = self.client.post(self.url + "/api/v1/ingest", content=r.encode([batch]),
                                    headers={"Content-Type": "application/msgpack"})
        self._check(response, f"batch {batch.seq} of run {batch.run_id}")

    def upload(self, data: bytes, suffix: str) -> str:
        response = self.client.post(self.url + "/api/v1/media", params={"suffix": suffix},
                                    content=data,
                                    headers={"Content-Type": "application/octet-stream"})
        self._check(response, f"a media file ({hashlib.sha256(data).hexdigest()[:12]})")
        return str(response.json()["path"])

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        from heron.api.remote import run_info_from_json

        response = self.client.get(f"{self.url}/api/v1/projects/{project}/runs/{run_id}",
                                   headers={"Accept": "application/msgpack"}, timeout=5.0)
        if response.status_code == 404:
            return None
        self._check(response, f"a lookup of run {run_id}")
        return run_info_from_json(r.decode_any(response.content))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
