"""What the official client need not send again: a version whose W&B manifest digest it
announces (``CreateArtifact`` with ``enableDigestDeduplication``), and files the server holds
already (``CreateArtifactFiles``, which then answers no upload URL for them, as W&B does).

W&B's manifest digest (``digestAlgorithm: MANIFEST_MD5``) is the MD5, in hex, of the line
``wandb-artifact-manifest-v1`` and then ``path:digest`` for each entry, by path, where a
stored file's digest is its MD5 in base64. Heron keeps SHA-256s, so a stored version's digest
is computed from the manifest the client would download (``artifacts_files.manifest_of``),
whose MD5s are read once per server process and content.
"""

from __future__ import annotations

import hashlib

from heron import records as r
from heron.server.wandb import artifacts_files as files
from heron.server.wandb.artifacts_pending import Upload
from heron.server.wandb.context import Context
from heron.store.artifact_apply import LATEST
from heron.store.artifact_queries import ArtifactFile, ArtifactInfo, Page

MANIFEST_HEADER = b"wandb-artifact-manifest-v1\n"
NEWEST_CHECKED = 10
"""Versions of a collection (newest first) a ``CreateArtifact`` digest is compared with: the
first comparison with a version reads its files' MD5s, so the cost stays bounded; an older
version with the same content is still found by the commit (after the files are sent)."""


def manifest_digest(ctx: Context, entries: list[ArtifactFile]) -> str:
    """W&B's ``MANIFEST_MD5`` digest of a stored version's entries."""
    contents = files.manifest_of(ctx.store.media, entries)["contents"]
    h = hashlib.md5(MANIFEST_HEADER, usedforsecurity=False)
    for path in sorted(contents):
        h.update(f"{path}:{contents[path]['digest']}\n".encode())
    return h.hexdigest()


def version_with_digest(ctx: Context, entity: str, project: str, name: str, kind: str,
                        digest: str) -> tuple[ArtifactInfo, list[r.ArtifactEntry]] | None:
    """The version among the collection's ``NEWEST_CHECKED`` newest whose manifest digest is
    ``digest``, with its entries as records; None when there is none (or the collection holds
    another type)."""
    with ctx.store.artifact_session() as arts:
        versions = [v for v in arts.versions(entity, project, name, page=Page(NEWEST_CHECKED))
                    if v.type == kind]
        for version in versions:
            entries = arts.entries(version.id)
            if manifest_digest(ctx, entries) == digest:
                return version, [r.ArtifactEntry(path=e.path, size=e.size, sha256=e.sha256,
                                                 media=e.media, ref=e.ref) for e in entries]
    return None


def stored_files(ctx: Context, entity: str, project: str, name: str) -> dict[str, Upload]:
    """The stored files of the collection's latest version, by MD5 in hex: what a version
    logged after it most likely shares (the client sends the rest)."""
    with ctx.store.artifact_session() as arts:
        latest = arts.get(entity, project, name, LATEST)
        entries = arts.entries(latest.id) if latest is not None else []
    return {files.md5_hex(files.md5_of(ctx.store.media, e)): Upload(e.sha256, e.media,
                                                                         e.size)
            for e in entries if e.media is not None and e.sha256 is not None}
