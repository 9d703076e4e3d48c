"""Media bytes: uploads (through the server, or planned straight to a bucket) and reads.

A client that holds files for a batch first asks which of them the server lacks
(``POST /media/uploads``): stored files are never sent again. For each missing file the answer
says how to send it: presigned PUT URLs into the bucket (then ``POST /media/uploads/finish``,
which checks the bytes before they become the content-addressed key), or ``POST /media``
through the server when the media live in a folder. Reads of a bucket redirect to presigned
URLs (``file_responses.stored_file``).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import anyio.from_thread
import msgspec
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from heron.errors import PermissionDenied, ValueRejected
from heron.server.deps import ReadDep, StoreDep, WriteDep
from heron.server.file_responses import stored_file
from heron.server.signing import Signer
from heron.store.media_storage import MediaStorage, check_media_key, check_suffix

router = APIRouter()
MAX_ASKED = 10_000
"""Files one ``/media/uploads`` request may ask about."""
PLAN_SECONDS = 3600.0
ASKING_THREADS = 16
"""Questions to the storage (is this file stored?) asked at once."""


def body_chunks(request: Request) -> Iterator[bytes]:
    """The request's body as a plain iterator, for code in a worker thread (one started by
    ``run_in_threadpool``): each chunk is awaited on the event loop, so a large upload is
    never held whole."""
    stream = request.stream().__aiter__()

    async def next_chunk() -> bytes:
        return await stream.__anext__()

    while True:
        try:
            chunk = anyio.from_thread.run(next_chunk)
        except StopAsyncIteration:
            return
        if chunk:
            yield chunk


def _writer(caller: WriteDep) -> None:
    if caller.role == "viewer":
        raise PermissionDenied(f"{caller.user!r} is a viewer and cannot upload media")


@router.post("/media")
async def upload_media(request: Request, store: StoreDep, caller: WriteDep,
                       suffix: str = "", path: str | None = None) -> dict[str, str]:
    """Store the body content-addressed; its key. ``path``: the key the client computed,
    refused (and nothing kept) when the bytes do not match it."""
    _writer(caller)
    check_suffix(suffix)
    if path is not None:
        check_media_key(path)

    def receive() -> str:
        return store.media.put_stream(body_chunks(request), suffix, expect=path)[0]

    return {"path": await run_in_threadpool(receive)}


class Asked(msgspec.Struct, forbid_unknown_fields=True):
    path: str
    size: int


class AskedFiles(msgspec.Struct, forbid_unknown_fields=True):
    files: list[Asked]


def _token_fields(rel: str, token: str, user: str) -> tuple[str, ...]:
    return ("media-upload", rel, token, user)


def plan(storage: MediaStorage, signer: Signer, user: str, asked: list[Asked]
         ) -> list[dict[str, object]]:
    """For each file: ``stored``, or how to send it (see the module's docstring)."""
    for item in asked:
        check_media_key(item.path)
        if item.size < 0:
            raise ValueRejected(f"file {item.path} has a negative size {item.size}")
    # A bucket answers each question with a round trip: ask them side by side.
    with ThreadPoolExecutor(ASKING_THREADS) as pool:
        held = list(pool.map(storage.has, [item.path for item in asked]))
    answers: list[dict[str, object]] = []
    for item, stored in zip(asked, held, strict=True):
        if stored:
            answers.append({"path": item.path, "stored": True})
            continue
        planned = storage.plan_upload(item.path, item.size)
        if planned is None:
            answers.append({"path": item.path, "stored": False, "post": True})
            continue
        answers.append({
            "path": item.path, "stored": False, "parts": planned.parts,
            "part_size": planned.part_size, "headers": planned.headers,
            "token": planned.token,
            "signature": signer.sign(_token_fields(item.path, planned.token, user),
                                     PLAN_SECONDS)})
    return answers


@router.post("/media/uploads")
async def plan_uploads(request: Request, store: StoreDep, caller: WriteDep
                       ) -> dict[str, object]:
    """Which of the files asked about (``{"files": [{"path", "size"}]}``) the server lacks,
    and how to send each of them."""
    _writer(caller)
    try:
        asked = msgspec.json.decode(await request.body(), type=AskedFiles).files
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueRejected(f"malformed upload question: {exc}") from None
    if len(asked) > MAX_ASKED:
        raise ValueRejected(f"{len(asked)} files asked about at once; at most {MAX_ASKED}")
    answers = await run_in_threadpool(plan, store.media, request.app.state.signer,
                                      caller.user or "", asked)
    return {"files": answers}


class Finished(msgspec.Struct, forbid_unknown_fields=True):
    path: str
    token: str
    signature: str
    etags: list[str] = []


@router.post("/media/uploads/finish")
async def finish_upload(request: Request, store: StoreDep, caller: WriteDep
                        ) -> dict[str, str]:
    """A planned upload is complete: the server checks its bytes hash to ``path`` and stores
    it there (422 and nothing kept when they do not)."""
    _writer(caller)
    try:
        done = msgspec.json.decode(await request.body(), type=Finished)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ValueRejected(f"malformed upload completion: {exc}") from None
    check_media_key(done.path)
    signed = parse_qs(done.signature)
    signer: Signer = request.app.state.signer
    signer.check(_token_fields(done.path, done.token, caller.user or ""),
                 signed.get("exp", [""])[0], signed.get("sig", [""])[0])
    await run_in_threadpool(store.media.finish_upload, done.path, done.token, done.etags)
    return {"path": done.path}


@router.get("/media/{path:path}")
def get_media(path: str, store: StoreDep, caller: ReadDep) -> Response:
    """A stored media file: a reference's ``path`` (``media/ab/...``) is at ``/api/v1/<path>``.

    Inline only when its type is passive (an image, a video, text...); HTML, SVG, scripts and
    unknown types are downloads (``heron.server.file_responses``)."""
    rel = check_media_key("media/" + path)
    return stored_file(store.media, rel, rel.rsplit("/", 1)[-1])
