"""Sending media files to a heron server: only the ones it lacks, straight to its bucket when
it has one.

One question per batch (``POST /api/v1/media/uploads``) says which files the server already
holds (never sent again: a re-logged checkpoint costs one request) and how to send the rest:
presigned PUTs into the server's bucket, part by part for a large file, then a ``finish`` that
lets the server check the bytes; or a streamed ``POST /api/v1/media`` through the server.
A file is read in slices, never whole.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from heron.client import ServerClient
from heron.errors import CommError, NotFound, RejectedBatch

CHUNK = 1 << 20
SENDING_THREADS = 8
"""Files of one batch sent at once."""
PART_SECONDS = 600.0
"""The longest a single part may take (64 MiB on a slow link)."""


def _slice(source: Path, start: int, length: int) -> Iterator[bytes]:
    with source.open("rb") as handle:
        handle.seek(start)
        left = length
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                raise CommError(f"{source} shrank while it was being sent")
            left -= len(chunk)
            yield chunk


class MediaUploader:
    """Sends a batch's media files through ``client`` (a ``ServerClient`` with the run's key);
    presigned URLs go through a client of their own that carries no key."""

    def __init__(self, client: ServerClient, timeout: float) -> None:
        self.client = client
        self.timeout = timeout
        self._bucket: Any = None
        self._planning = True
        """False once the server answered 404 to a plan (a server from before plans)."""
        self._lock = threading.Lock()
        self._started: dict[str, tuple[dict[str, Any], list[str]]] = {}
        """Uploads cut off part-way, by key: their plan and the parts' ETags so far. A retry
        sends only the parts still missing (while the plan's URLs last)."""

    def _bucket_client(self) -> Any:
        with self._lock:
            return self._make_bucket_client()

    def _make_bucket_client(self) -> Any:
        if self._bucket is None:
            import httpx

            self._bucket = httpx.Client(timeout=httpx.Timeout(self.timeout, write=PART_SECONDS,
                                                              read=PART_SECONDS))
        return self._bucket

    def send(self, files: list[tuple[str, Path]], send: Any) -> None:
        """Deliver ``files`` (``(media key, local file)``); ``send(what, method, path,
        **kwargs)`` makes a request to the server (``HttpSink._send``). Several files go at
        once: each upload is a few round trips (a PUT, then the server's check), which a
        batch of many small files would otherwise pay one after the other."""
        answers = self._plan(files, send)
        missing = [(rel, source, answer) for (rel, source), answer in zip(files, answers)
                   if not answer.get("stored")]
        if len(missing) <= 1:
            for rel, source, answer in missing:
                self._send_one(rel, source, answer, send)
            return
        with ThreadPoolExecutor(min(SENDING_THREADS, len(missing))) as pool:
            futures = [pool.submit(self._send_one, rel, source, answer, send)
                       for rel, source, answer in missing]
        failed = [error for f in futures if (error := f.exception()) is not None]
        if failed:  # the others are stored: the writer's retry asks again, and skips them
            raise failed[0]

    def _send_one(self, rel: str, source: Path, answer: dict[str, Any], send: Any) -> None:
        if answer.get("parts"):
            with self._lock:
                started = self._started.pop(rel, (answer, []))
            self._put_parts(rel, source, *started, send)
        else:
            self._post(rel, source, send)

    def _plan(self, files: list[tuple[str, Path]], send: Any) -> list[dict[str, Any]]:
        if self._planning:
            asked = [{"path": rel, "size": source.stat().st_size} for rel, source in files]
            try:
                response = send(f"a question about {len(files)} media files", "POST",
                                "/media/uploads", json={"files": asked})
                answers = list(response.json()["files"])
                if len(answers) == len(files):
                    return answers
            except RejectedBatch as exc:
                if not isinstance(exc.__cause__, NotFound):
                    raise
                self._planning = False
        return [{"stored": False} for _ in files]

    def _post(self, rel: str, source: Path, send: Any) -> None:
        suffix = Path(rel).name[64:]  # after the sha256: ".png", ".table.json", ...
        # Streamed from the file: a checkpoint is never held whole in the writer's memory.
        with source.open("rb") as body:
            response = send(f"media file {rel}", "POST", "/media",
                            params={"suffix": suffix, "path": rel}, content=body,
                            headers={"Content-Type": "application/octet-stream"})
        stored = str(response.json()["path"])
        if stored != rel:
            raise RejectedBatch(f"{self.client.url} stored media {rel} as {stored}")

    def _put_parts(self, rel: str, source: Path, answer: dict[str, Any], etags: list[str],
                   send: Any) -> None:
        """PUT the parts not yet sent (``etags`` holds those that were), then finish."""
        import httpx

        size = source.stat().st_size
        part_size = int(answer["part_size"])
        for number, url in enumerate(answer["parts"][len(etags):], len(etags)):
            start = number * part_size
            length = max(0, min(part_size, size - start))
            headers = {**answer.get("headers", {}), "Content-Length": str(length)}
            try:
                response = self._bucket_client().put(str(url), headers=headers,
                                                     content=_slice(source, start, length))
            except httpx.HTTPError as exc:
                if len(answer["parts"]) > 1:  # a multipart upload resumes where it stopped
                    with self._lock:
                        self._started[rel] = (answer, etags)
                raise CommError(f"could not send {rel} to the server's storage: {exc}"
                                ) from exc
            if response.status_code >= 300:
                # An expired URL or a storage outage: the writer plans afresh later.
                raise CommError(f"the server's storage refused {rel} ({response.status_code}):"
                                f" {response.text[:300]}")
            etags.append(response.headers.get("ETag", ""))
        send(f"media file {rel}", "POST", "/media/uploads/finish",
             json={"path": rel, "token": answer["token"], "signature": answer["signature"],
                   "etags": etags})

    def close(self) -> None:
        if self._bucket is not None:
            self._bucket.close()
