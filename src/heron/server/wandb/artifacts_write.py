"""The official client's ``run.log_artifact``: ``CreateArtifact`` (a pending version),
``CreateArtifactManifest``/``UpdateArtifactManifest`` and ``CreateArtifactFiles`` (signed
upload URLs, ``artifacts_files``), then ``CommitArtifact``, which stores the version as a
Heron ``ArtifactLog`` of the run that logged it: Heron's rules decide the version number,
whether the same content is the same version, and where ``latest`` and the aliases point.

The client's de-duplication is answered (``artifacts_dedup``): a ``CreateArtifact`` whose
manifest digest is a stored version's of the collection is that version, ``COMMITTED`` (its
aliases moved onto it as a new log of it would), so the client sends nothing; and
``CreateArtifactFiles`` gives no upload URL for a file the collection's latest version holds.
``LinkArtifact`` adds a version to another collection (``artifacts_link``).

With the media in a bucket, files go straight into it (``artifacts_files.upload_target``); the
client's largest files (2 GiB and more, which it offers in parts) get a multipart upload,
joined by ``CompleteMultipartUploadArtifact``. Through a folder, a file is one PUT to the
server, streamed.
"""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

from heron import records as r
from heron.artifacts.manifest import REFERENCE_SCHEMES, alias_problem, digest_of, name_problem
from heron.errors import Conflict, RunNotFound
from heron.server.wandb import artifacts_dedup as dedup
from heron.server.wandb import artifacts_files as files
from heron.server.wandb import entities
from heron.server.wandb.artifacts_ids import (
    artifact_id,
    manifest_id,
    parse_artifact_id,
    parse_manifest_id,
    pending_id,
)
from heron.server.wandb.artifacts_pending import Announced, Pending, Upload
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.graphql import Resolver
from heron.server.wandb.shapes import text
from heron.store.artifact_apply import LATEST

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _input(args: dict[str, Any], what: str) -> dict[str, Any]:
    given = args.get("input")
    if not isinstance(given, dict):
        raise BadRequest(f"{what} needs an input object")
    return given


def _metadata(raw: Any) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise BadRequest(f"the artifact's metadata is not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise BadRequest("the artifact's metadata must be a JSON object")
    return parsed


def user_aliases(raw: Any) -> list[str]:
    """The user's aliases (W&B sends ``latest`` too, which Heron always sets)."""
    found: list[str] = []
    for item in raw or []:
        alias = item.get("alias") if isinstance(item, dict) else item
        if isinstance(alias, str) and alias != LATEST and alias_problem(alias) is None:
            found.append(alias)
    return list(dict.fromkeys(found))


def create_artifact(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    given = _input(args, "createArtifact")
    name = text(given.get("artifactCollectionName"), "artifactCollectionName") or ""
    kind = text(given.get("artifactTypeName"), "artifactTypeName") or ""
    for value, what in ((name, "artifact name"), (kind, "artifact type")):
        problem = name_problem(value, what)
        if problem is not None:
            raise BadRequest(problem)
    info = entities.writable_run(ctx, text(given.get("entityName"), "entityName"),
                        text(given.get("projectName"), "projectName") or "",
                        text(given.get("runName"), "runName") or "")
    announced = Announced(
        run_pk=info.pk, entity=info.entity, project=info.project, run_id=info.run_id,
        name=name, type=kind, description=text(given.get("description"), "description"),
        metadata=_metadata(given.get("metadata")), aliases=user_aliases(given.get("aliases")),
        user=ctx.caller.user)
    digest = given.get("digest")
    if given.get("enableDigestDeduplication") and isinstance(digest, str) \
            and given.get("digestAlgorithm") in (None, "MANIFEST_MD5"):
        same = dedup.version_with_digest(ctx, info.entity, info.project, name, kind, digest)
        if same is not None:
            version_id = log_version(ctx, announced, same[1])
            return {"artifact": {"id": artifact_id(version_id), "state": "COMMITTED",
                                 "artifactSequence": {"latestArtifact": {
                                     "id": artifact_id(version_id)}}}}
    pending = Pending.create(ctx.store.media, announced)
    with ctx.store.artifact_session() as arts:
        latest = arts.get(info.entity, info.project, name, LATEST)
    return {"artifact": {
        "id": pending_id(pending.token), "state": "PENDING",
        "artifactSequence": {"latestArtifact": None if latest is None
                             else {"id": artifact_id(latest.id)}}}}


def _pending_for(ctx: Context, raw_id: Any) -> Pending:
    version_id, token = parse_artifact_id(raw_id)
    if token is None:
        raise Conflict(f"artifact {version_id} is already committed")
    pending = Pending.open(ctx.store.media, token)
    announced = pending.announced()
    if announced.user != ctx.caller.user:
        raise RunNotFound("no pending artifact with that id")
    return pending


def _manifest_answer(ctx: Context, pending: Pending) -> dict[str, Any]:
    return {"artifactManifest": {
        "id": manifest_id(pending.token),
        "file": {"id": manifest_id(pending.token), "uploadHeaders": [],
                 "uploadUrl": files.upload_url(ctx, pending.token, files.MANIFEST_NAME)}}}


def create_artifact_manifest(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Where the client uploads the manifest (its ``includeUpload`` is always honoured)."""
    given = _input(args, "createArtifactManifest")
    return _manifest_answer(ctx, _pending_for(ctx, given.get("artifactID")))


def update_artifact_manifest(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    given = _input(args, "updateArtifactManifest")
    token = parse_manifest_id(given.get("artifactManifestID"))
    return _manifest_answer(ctx, _pending_for(ctx, pending_id(token)))


def create_artifact_files(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """An upload URL for each file (named by its MD5), or none (null, as W&B answers) for a
    file the collection's latest version holds: the pending artifact takes the stored one."""
    given = _input(args, "createArtifactFiles")
    sent = given.get("artifactFiles")
    if not isinstance(sent, list):
        raise BadRequest("createArtifactFiles needs a list of artifactFiles")
    edges: list[dict[str, Any]] = []
    pendings: dict[str, tuple[Pending, dict[str, Upload]]] = {}
    for item in sent:
        if not isinstance(item, dict):
            raise BadRequest("each of artifactFiles must be an object")
        raw_id = item.get("artifactID")
        key = str(raw_id)
        if key not in pendings:
            pending = _pending_for(ctx, raw_id)
            announced = pending.announced()
            pendings[key] = pending, dedup.stored_files(ctx, announced.entity,
                                                        announced.project, announced.name)
        pending, stored = pendings[key]
        md5 = files.md5_hex(text(item.get("md5"), "md5") or "")
        node: dict[str, Any] = {"storagePath": f"{pending.token}/{md5}", "uploadUrl": None,
                                "uploadHeaders": [], "uploadMultipartUrls": None,
                                "artifact": {"id": raw_id}}
        held = stored.get(md5)
        if held is not None:
            pending.save_upload(md5, held.sha256, held.media, held.size)
        elif item.get("uploadPartsInput") and ctx.store.media.incoming is not None:
            node["uploadMultipartUrls"] = _multipart(ctx, pending.token, md5,
                                                     item["uploadPartsInput"])
        else:
            node["uploadUrl"], node["uploadHeaders"] = files.upload_target(ctx, pending.token,
                                                                           md5)
        edges.append({"node": node})
    return {"files": {"edges": edges}}


MAX_PARTS = 10_000
"""S3's most parts in one upload."""


def _multipart(ctx: Context, token: str, md5: str, parts: Any) -> dict[str, Any]:
    """A multipart upload into the bucket: one presigned URL per part, in the order (and
    with the numbers, 1 to n) the client listed them."""
    if not isinstance(parts, list) or not 0 < len(parts) <= MAX_PARTS:
        raise BadRequest(f"uploadPartsInput must list 1 to {MAX_PARTS} parts")
    numbers = [p.get("partNumber") if isinstance(p, dict) else None for p in parts]
    if numbers != list(range(1, len(parts) + 1)):
        raise BadRequest("uploadPartsInput's partNumbers must run 1, 2, ... in order")
    incoming = ctx.store.media.incoming
    assert incoming is not None
    upload_id, urls = incoming.start_multipart(files.incoming_name(token, md5), len(parts))
    return {"uploadID": upload_id, "uploadUrlParts": [
        {"partNumber": number, "uploadUrl": url} for number, url in enumerate(urls, 1)]}


def complete_multipart_upload_artifact(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Join a file's parts (``completedParts``: the ETags the bucket answered, by part)."""
    given = _input(args, "completeMultipartUploadArtifact")
    pending = _pending_for(ctx, given.get("artifactID"))
    token, _, md5 = str(given.get("storagePath") or "").partition("/")
    if token != pending.token:
        raise BadRequest(f"storagePath {str(given.get('storagePath'))[:100]!r} is not a file "
                         "of this artifact")
    if not _HEX32.match(md5):
        raise BadRequest(f"storagePath {str(given.get('storagePath'))[:100]!r} names no file")
    if given.get("completeMultipartAction") != "Complete":
        raise BadRequest(f"completeMultipartAction {given.get('completeMultipartAction')!r} "
                         "is not Complete")
    parts = given.get("completedParts")
    if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(p.get("hexMD5"), str) for p in parts):
        raise BadRequest("completedParts must list {partNumber, hexMD5} objects")
    ordered = sorted(parts, key=lambda p: int(p.get("partNumber") or 0))
    incoming = ctx.store.media.incoming
    if incoming is None:
        raise BadRequest("this server offers no multipart uploads (its media are in a folder)")
    incoming.complete_multipart(files.incoming_name(token, md5), text(
        given.get("uploadID"), "uploadID") or "", [p["hexMD5"] for p in ordered])
    return {"digest": base64.b64encode(bytes.fromhex(md5)).decode()}


def _entries(pending: Pending) -> list[r.ArtifactEntry]:
    raw = pending.manifest()
    if raw is None:
        raise BadRequest("the artifact's manifest was not uploaded before CommitArtifact")
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"the artifact's manifest is not JSON: {exc}") from None
    contents = manifest.get("contents") if isinstance(manifest, dict) else None
    if not isinstance(contents, dict):
        raise BadRequest("the artifact's manifest has no \"contents\" object")
    uploads = files.uploads_of(pending, {
        files.md5_hex(str(e.get("digest"))) for e in contents.values()
        if isinstance(e, dict) and e.get("ref") is None})
    entries: list[r.ArtifactEntry] = []
    for path, entry in contents.items():
        if not isinstance(entry, dict):
            raise BadRequest(f"the manifest's entry {path[:200]!r} is not an object")
        size = entry.get("size") or 0
        if not isinstance(size, int):
            raise BadRequest(f"the manifest's entry {path[:200]!r} has no whole size")
        ref = entry.get("ref")
        if ref is not None:
            if not isinstance(ref, str) or not ref.startswith(REFERENCE_SCHEMES):
                raise BadRequest(f"the reference {str(ref)[:200]!r} of {path[:200]!r} is not "
                                 f"one of {', '.join(REFERENCE_SCHEMES)}")
            entries.append(r.ArtifactEntry(path=path, size=size, ref=ref))
            continue
        md5 = files.md5_hex(str(entry.get("digest")))
        upload = uploads.get(md5)
        if upload is None:
            raise BadRequest(f"the file {path[:200]!r} (md5 {md5}) was not uploaded before "
                             "CommitArtifact")
        entries.append(r.ArtifactEntry(path=path, size=upload.size, sha256=upload.sha256,
                                       media=upload.media))
    return entries


def commit_artifact(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Store the pending version as the run's ``ArtifactLog`` (a retried commit answers the
    version it made)."""
    given = _input(args, "commitArtifact")
    pending = _pending_for(ctx, given.get("artifactID"))
    done = pending.version_id()
    if done is None:
        done = _store(ctx, pending)
        pending.commit(done)
    with ctx.store.artifact_session() as arts:
        info = arts.by_id(done)
    return {"artifact": {"id": artifact_id(done), "digest": info.digest if info else None,
                         "state": "COMMITTED"}}


def _store(ctx: Context, pending: Pending) -> int:
    return log_version(ctx, pending.announced(), _entries(pending))


def log_version(ctx: Context, announced: Announced, entries: list[r.ArtifactEntry]) -> int:
    """Store ``entries`` as the announcing run's ``ArtifactLog``: the version with that
    content (new, or the stored one, which takes the aliases); its id."""
    log = r.ArtifactLog(name=announced.name, artifact_type=announced.type,
                        digest=digest_of(entries), entries=entries,
                        description=announced.description, metadata=announced.metadata,
                        aliases=announced.aliases, logged_at=time.time())
    batch = r.Batch(project=announced.project, run_id=announced.run_id, seq=0,
                    entity=announced.entity, records=[log])
    ctx.guard.check_batch(batch)
    ctx.store.write(batch, ctx.caller.user)
    with ctx.store.artifact_session() as arts:
        for version in arts.versions(announced.entity, announced.project, announced.name):
            if version.digest == log.digest and version.type == announced.type:
                return version.id
        kinds = {v.type for v in arts.versions(announced.entity, announced.project,
                                               announced.name)}
    raise Conflict(f"artifact {announced.name!r} of project {announced.project!r} is a "
                   f"{', '.join(sorted(kinds)) or 'different type'}, not a {announced.type!r}: "
                   "a name keeps its type")


RESOLVERS: dict[str, Resolver] = {
    "createArtifact": create_artifact,
    "createArtifactManifest": create_artifact_manifest,
    "updateArtifactManifest": update_artifact_manifest,
    "createArtifactFiles": create_artifact_files,
    "commitArtifact": commit_artifact,
    "completeMultipartUploadArtifact": complete_multipart_upload_artifact,
}
