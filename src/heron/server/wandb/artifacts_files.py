"""The files of the official client's artifacts: signed URLs for uploading an artifact's files
and manifest while it is pending, and for downloading a stored version's manifest and files.

W&B names a file by its MD5 (base64) and fetches URLs as from a bucket (no key), so each URL
carries its own signature (``signing.Signer``), as the run files' URLs do. Uploads are stored
content-addressed by SHA-256 (``media/ab/<sha256>``, where Heron's SDK puts an artifact's
files); the pending artifact keeps which MD5 became which stored file (``artifacts_pending``).
The manifest a client downloads is made from Heron's entries; its digests are the files' MD5s,
which the client uses as its cache keys (it does not check a download against them).

When the media live in a bucket, a file's URL is a presigned PUT straight into it (with the
``Content-MD5`` the client announced signed in; multipart for the client's largest files), on
a temporary object ``incoming/wandb-artifact/<token>/<md5>``: ``CommitArtifact`` reads each
through once, checks its MD5 and makes it the content-addressed key (``uploads_of``). Only
the manifest, a small JSON file, goes through the server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from heron.errors import NotFound, ValueRejected
from heron.server.file_responses import generated_file, stored_file
from heron.server.signing import Signer
from heron.server.wandb.artifacts_pending import Pending, Upload
from heron.server.wandb.context import BadRequest, Context
from heron.store import SqlStore
from heron.store.artifact_queries import ArtifactFile
from heron.store.media_storage import MediaStorage, check_media_key

UPLOAD_PREFIX = "/wandb-artifact-uploads"
FILE_PREFIX = "/wandb-artifact-files"
MANIFEST_PREFIX = "/wandb-artifact-manifests"
URL_SECONDS = 3600.0
MANIFEST_NAME = "wandb_manifest.json"
"""What a pending artifact's manifest upload is called (a file's upload is named by its MD5
in hex, which never reads like this)."""

ADOPTING_THREADS = 8
"""Uploads read through at once at ``CommitArtifact`` (each is a stream from the bucket)."""

_md5_cache: dict[str, str] = {}
_md5_lock = threading.Lock()


def _base(ctx: Context) -> str:
    return str(ctx.request.base_url).rstrip("/")


def _signer(ctx: Context) -> Signer:
    signer: Signer = ctx.request.app.state.signer
    return signer


def md5_hex(digest: str) -> str:
    """W&B's base64 MD5 as hex (what names an upload); ``BadRequest`` for anything else."""
    try:
        raw = base64.b64decode(digest, validate=True)
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 16:
        raise BadRequest(f"an artifact file's md5 must be 16 bytes in base64, not {digest!r}"
                         [:200])
    return raw.hex()


def upload_url(ctx: Context, token: str, name: str) -> str:
    """Where the client PUTs a pending artifact's file (``name``: its MD5 in hex) or its
    manifest (``MANIFEST_NAME``)."""
    user = ctx.caller.user or ""
    query = _signer(ctx).sign(("artifact-upload", token, name, user), URL_SECONDS)
    return f"{_base(ctx)}{UPLOAD_PREFIX}/{token}/{name}?u={quote(user)}&{query}"


def incoming_name(token: str, md5: str) -> str:
    """Where a pending artifact's file lands in the bucket (``md5``: hex)."""
    return f"wandb-artifact/{token}/{md5}"


def upload_target(ctx: Context, token: str, md5: str) -> tuple[str, list[str]]:
    """The URL and headers for one file (``md5``: hex): a presigned PUT into the bucket, or
    this server's signed URL when the media live in a folder."""
    incoming = ctx.store.media.incoming
    if incoming is not None:
        b64 = base64.b64encode(bytes.fromhex(md5)).decode()
        url = incoming.put_url(incoming_name(token, md5), b64)
        if url is not None:
            return url, [f"Content-MD5:{b64}"]
    return upload_url(ctx, token, md5), []


def uploads_of(pending: Pending, md5s: Iterable[str]) -> dict[str, Upload]:
    """The stored file of each of ``md5s`` (hex) the pending artifact has: sent through the
    server, held already, or uploaded straight into the bucket (then read through once,
    checked against its MD5 and stored content-addressed here). Missing ones are left out."""
    incoming = pending.storage.incoming

    def find(md5: str) -> tuple[str, Upload | None]:
        upload = pending.upload(md5)
        if upload is None and incoming is not None:
            adopted = incoming.adopt(incoming_name(pending.token, md5), "", md5)
            if adopted is not None:
                rel, hashing = adopted
                upload = Upload(hashing.sha256.hexdigest(), rel, hashing.size)
                pending.save_upload(md5, upload.sha256, upload.media, upload.size)
        return md5, upload

    with ThreadPoolExecutor(ADOPTING_THREADS) as pool:
        return {md5: upload for md5, upload in pool.map(find, sorted(md5s))
                if upload is not None}


def store_upload(store: SqlStore, signer: Signer, token: str, name: str, user: str,
                 expires: str, signature: str, body: Iterable[bytes]) -> None:
    """A PUT to an ``upload_url``: a file is stored content-addressed (streamed, never held
    whole) and kept for the version once its MD5 matches the one it was announced with; the
    manifest is kept with the pending artifact."""
    signer.check(("artifact-upload", token, name, user), expires, signature)
    pending = Pending.open(store.media, token)
    if name == MANIFEST_NAME:
        pending.save_manifest(b"".join(body))
        return
    path, hashing = store.media.put_stream(body, "", md5=True)
    if hashing.md5_hex() != name:
        raise ValueRejected(f"the uploaded file's md5 is not {name}: it changed while it was "
                            "sent; the client sends it again")
    pending.save_upload(name, hashing.sha256.hexdigest(), path, hashing.size)


def file_url(ctx: Context, version_id: int, path: str) -> str:
    user = ctx.caller.user or ""
    query = _signer(ctx).sign(("artifact-file", str(version_id), path, user), URL_SECONDS)
    return f"{_base(ctx)}{FILE_PREFIX}/{version_id}/{quote(path)}?u={quote(user)}&{query}"


def manifest_url(ctx: Context, version_id: int) -> str:
    user = ctx.caller.user or ""
    query = _signer(ctx).sign(("artifact-manifest", str(version_id), user), URL_SECONDS)
    return f"{_base(ctx)}{MANIFEST_PREFIX}/{version_id}?u={quote(user)}&{query}"


def md5_of(storage: MediaStorage, entry: ArtifactFile) -> str:
    """The stored file's MD5 in base64 (read once per process and content)."""
    key = entry.sha256 or entry.media or ""
    with _md5_lock:
        found = _md5_cache.get(key)
    if found is not None:
        return found
    h = hashlib.md5(usedforsecurity=False)
    with storage.open(check_media_key(entry.media or "")) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = base64.b64encode(h.digest()).decode()
    with _md5_lock:
        if len(_md5_cache) > 100_000:
            _md5_cache.clear()
        _md5_cache[key] = digest
    return digest


def manifest_of(storage: MediaStorage, files: list[ArtifactFile]) -> dict[str, Any]:
    """W&B's manifest (version 1) of a stored version's entries: stored files by their MD5,
    references with their link (and the SHA-256 Heron knows, when it knows one)."""
    contents: dict[str, Any] = {}
    for f in files:
        if f.ref is not None:
            contents[f.path] = {"digest": f.sha256 or f.ref, "ref": f.ref, "size": f.size}
        else:
            contents[f.path] = {"digest": md5_of(storage, f), "size": f.size}
    return {"version": 1, "storagePolicy": "wandb-storage-policy-v1",
            "storagePolicyConfig": {"storageLayout": "V2"}, "contents": contents}


def serve_manifest(store: SqlStore, signer: Signer, version_id: int, user: str, expires: str,
                   signature: str) -> Response:
    signer.check(("artifact-manifest", str(version_id), user), expires, signature,
                 kind="download")
    with store.artifact_session() as arts:
        if arts.by_id(version_id) is None:
            raise NotFound(f"no artifact version {version_id}")
        files = arts.entries(version_id)
    body = json.dumps(manifest_of(store.media, files)).encode()
    return generated_file(body, MANIFEST_NAME, "application/json")


def serve_file(store: SqlStore, signer: Signer, version_id: int, path: str, user: str,
               expires: str, signature: str) -> Response:
    signer.check(("artifact-file", str(version_id), path, user), expires, signature,
                 kind="download")
    with store.artifact_session() as arts:
        found = next((f for f in arts.entries(version_id) if f.path == path), None)
    if found is None or found.media is None:
        raise NotFound(f"artifact version {version_id} has no stored file {path[:200]!r}")
    return stored_file(store.media, found.media, path.rsplit("/", 1)[-1], download=True)
