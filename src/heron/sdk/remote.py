"""``HttpSink``: a run's batches and media to a heron server, with retries left to the writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from heron import records as r
from heron.errors import AuthError, RejectedBatch

TIMEOUT = 10.0

AuthFailed = AuthError
"""The name this module used before ``heron.errors.AuthError``."""


def _headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


class HttpSink:
    """Posts batches to ``{host}/api/v1/ingest`` as msgpack; media to ``/api/v1/media``."""

    def __init__(self, host: str, api_key: str | None) -> None:
        self.url = host.rstrip("/")
        self.api_key = api_key
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=TIMEOUT, headers=_headers(self.api_key))
        return self._client

    def open(self) -> None:
        self.client  # noqa: B018 - importing httpx and building the client is the point

    def _check(self, response: Any, what: str) -> None:
        if response.status_code in (401, 403):
            raise AuthError(f"{self.url} refused the API key ({response.status_code}); set "
                            "HERON_API_KEY or run `heron login`")
        if response.status_code in (408, 425, 429) or response.status_code >= 500:
            response.raise_for_status()
        if response.status_code >= 400:
            raise RejectedBatch(f"{self.url} refused {what}: {response.status_code} "
                                f"{response.text[:300]}")

    def write(self, batch: r.Batch) -> None:
        response = self.client.post(self.url + "/api/v1/ingest", content=r.encode([batch]),
                                    headers={"Content-Type": "application/msgpack"})
        self._check(response, f"batch {batch.seq} of run {batch.run_id}")

    def deliver_media(self, rel: str, source: Path) -> None:
        suffix = Path(rel).name[64:]  # after the sha256: ".png", ".table.json", ...
        response = self.client.post(self.url + "/api/v1/media", params={"suffix": suffix},
                                    content=source.read_bytes(),
                                    headers={"Content-Type": "application/octet-stream"})
        self._check(response, f"media file {rel}")
        stored = str(response.json()["path"])
        if stored != rel:
            raise RejectedBatch(f"{self.url} stored media {rel} as {stored}")

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        from heron.api.remote import run_info_from_json

        response = self.client.get(
            f"{self.url}/api/v1/projects/{quote(project, safe='')}/runs/{quote(run_id, safe='')}",
            headers={"Accept": "application/msgpack"}, timeout=5.0)
        if response.status_code == 404:
            return None
        self._check(response, f"a lookup of run {run_id}")
        return run_info_from_json(r.decode_any(response.content))

    def flush(self, timeout: float) -> bool:
        return True  # write() returns once the server has stored the batch

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
