"""``HttpSink``: a run's batches and media to a heron server, with retries left to the writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heron import records as r
from heron.client import ServerClient
from heron.errors import Conflict, NotFound, RejectedBatch, ValueRejected
from heron.sdk.uploads import MediaUploader

TIMEOUT = 10.0


class HttpSink:
    """Posts batches to ``{host}/api/v1/ingest`` as msgpack; media the server lacks through
    ``MediaUploader``.

    A refusal for what a batch holds (4xx) is ``RejectedBatch``; everything else the client
    raises (no connection, 5xx, a refused key) is left for the writer to retry.
    """

    def __init__(self, host: str, api_key: str | None) -> None:
        self.client = ServerClient(host, api_key, timeout=TIMEOUT)
        self.url = self.client.url
        self.uploader = MediaUploader(self.client, TIMEOUT)

    def open(self) -> None:
        self.client.http  # noqa: B018 - importing httpx and building the client is the point

    def _send(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return self.client.request(method, path, what=what, **kwargs)
        except (ValueRejected, NotFound, Conflict) as exc:
            raise RejectedBatch(str(exc)) from exc

    def write(self, batch: r.Batch) -> None:
        self._send(f"batch {batch.seq} of run {batch.run_id}", "POST", "/ingest",
                   content=r.encode([batch]), headers={"Content-Type": "application/msgpack"})

    def deliver_media(self, files: list[tuple[str, Path]]) -> None:
        self.uploader.send(files, self._send)

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        from heron.store.remote import run_info_from_json

        response = self.client.request(
            "GET", self.client.path("projects", project, "runs", run_id),
            params={"entity": entity}, what=f"a lookup of run {run_id}", allow_404=True,
            timeout=5.0,
            headers={"Accept": "application/msgpack"})
        if response.status_code == 404:
            return None
        return run_info_from_json(r.decode_any(response.content))

    def flush(self, timeout: float) -> bool:
        return True  # write() returns once the server has stored the batch

    def close(self) -> None:
        self.uploader.close()
        self.client.close()
