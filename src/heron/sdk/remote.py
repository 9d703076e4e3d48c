"""``HttpSink``: a run's batches and media to a heron server, with retries left to the writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from heron import records as r
from heron.client import ServerClient
from heron.errors import Conflict, NotFound, RejectedBatch, ValueRejected

TIMEOUT = 10.0


class HttpSink:
    """Posts batches to ``{host}/api/v1/ingest`` as msgpack; media to ``/api/v1/media``.

    A refusal for what a batch holds (4xx) is ``RejectedBatch``; everything else the client
    raises (no connection, 5xx, a refused key) is left for the writer to retry.
    """

    def __init__(self, host: str, api_key: str | None) -> None:
        self.client = ServerClient(host, api_key, timeout=TIMEOUT)
        self.url = self.client.url

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

    def deliver_media(self, rel: str, source: Path) -> None:
        suffix = Path(rel).name[64:]  # after the sha256: ".png", ".table.json", ...
        # Streamed from the file: a checkpoint is never held whole in the writer's memory.
        with source.open("rb") as body:
            response = self._send(f"media file {rel}", "POST", "/media",
                                  params={"suffix": suffix}, content=body,
                                  headers={"Content-Type": "application/octet-stream"})
        stored = str(response.json()["path"])
        if stored != rel:
            raise RejectedBatch(f"{self.url} stored media {rel} as {stored}")

    def fetch_run(self, project: str, run_id: str, entity: str | None) -> Any:
        from heron.store.remote import run_info_from_json

        response = self.client.request(
            "GET", self.client.path("projects", project, "runs", run_id),
            what=f"a lookup of run {run_id}", allow_404=True, timeout=5.0,
            headers={"Accept": "application/msgpack"})
        if response.status_code == 404:
            return None
        return run_info_from_json(r.decode_any(response.content))

    def flush(self, timeout: float) -> bool:
        return True  # write() returns once the server has stored the batch

    def close(self) -> None:
        self.client.close()
