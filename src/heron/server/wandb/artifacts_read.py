"""Reading Heron's artifact versions as W&B's ``Artifact``: ``artifact(id)``, the project's
``artifact(name: "name:alias")``, ``artifactCollectionMembership``, ``artifactType`` and
``artifactCollection`` (what ``use_artifact``, ``wandb.Api().artifact`` and ``download`` ask),
each version's manifest and file URLs (``artifacts_files``), its lineage (``createdBy``,
``usedBy``), and ``useArtifact``, which records a run's use as a Heron ``ArtifactUse``.

A version the caller may not read answers null, like one that does not exist (the client then
raises its own "artifact not found" error).
"""

from __future__ import annotations

import json
import time
from typing import Any

from heron import records as r
from heron.errors import NotFound, RunNotFound
from heron.server import permissions as p
from heron.server.wandb import artifacts_files as files
from heron.server.wandb import entities
from heron.server.wandb.api_files import cursor_offset, iso, page_size
from heron.server.wandb.artifacts_ids import artifact_id, heron_entity, parse_artifact_id
from heron.server.wandb.artifacts_pending import Pending
from heron.server.wandb.context import Context
from heron.server.wandb.graphql import Resolver
from heron.server.wandb.shapes import bucket, text
from heron.store.artifact_apply import LATEST
from heron.store.artifact_queries import ArtifactInfo


def readable(ctx: Context, entity: str, project: str) -> bool:
    found = ctx.guard.cache.find(entity, project)
    return found is not None and ctx.guard.level(found) >= p.READ


def _project(ctx: Context, entity: str, name: str) -> dict[str, Any]:
    shown = entities.shown_entity(entity, ctx.caller)
    found = ctx.guard.cache.find(entity, name)
    return {"__typename": "Project", "id": f"{shown}/{name}", "name": name,
            "internalId": str(found.pk) if found is not None else f"{shown}/{name}",
            "entity": {"id": shown, "name": shown}}


def _run(ctx: Context, run_pk: int | None) -> dict[str, Any] | None:
    info = ctx.store.run_by_pk(run_pk) if run_pk is not None else None
    if info is None or not readable(ctx, info.entity, info.project):
        return None
    return {**bucket(ctx, info), "__typename": "Run",
            "project": _project(ctx, info.entity, info.project)}


def shape_artifact(ctx: Context, info: ArtifactInfo) -> dict[str, Any]:
    """A stored version as W&B's ``Artifact``: its collection, aliases, manifest, files and
    lineage (nested fields are read only when the query asks for them)."""
    wid = artifact_id(info.id)
    project = _project(ctx, info.entity, info.project)
    collection = {"__typename": "ArtifactSequence", "id": f"{wid}:collection",
                  "name": info.name, "project": project,
                  "latestArtifact": lambda _: _latest(ctx, info)}
    aliases = [{"__typename": "ArtifactAlias", "id": f"{wid}:{a}", "alias": a,
                "artifactCollection": collection, "artifactCollectionName": info.name}
               for a in info.aliases]
    shaped: dict[str, Any] = {
        "__typename": "Artifact", "id": wid, "artifactSequence": collection,
        "artifactCollection": collection, "versionIndex": info.version,
        "artifactType": {"__typename": "ArtifactType", "name": info.type},
        "description": info.description, "metadata": _json(info.metadata),
        "ttlDurationSeconds": -1, "ttlIsInherited": True, "tags": [], "historyStep": None,
        "state": "COMMITTED", "size": info.size, "digest": info.digest,
        "digestAlgorithm": "MANIFEST_MD5", "commitHash": info.digest[:20],
        "fileCount": info.file_count, "createdAt": iso(info.created_at),
        "updatedAt": iso(info.updated_at), "aliases": aliases,
        "currentManifest": {"id": f"{wid}:manifest", "file": {
            "id": f"{wid}:manifest", "name": files.MANIFEST_NAME,
            "directUrl": files.manifest_url(ctx, info.id),
            "url": files.manifest_url(ctx, info.id)}},
        "files": lambda given: _files(ctx, info, given),
        "filesByManifestEntries": lambda given: _files(ctx, info, given),
        "createdBy": lambda _: _run(ctx, info.run_pk),
        "usedBy": lambda _: _used_by(ctx, info),
    }
    return shaped


def membership(shaped: dict[str, Any]) -> dict[str, Any]:
    """W&B's ``ArtifactCollectionMembership``: a version in its collection."""
    return {"__typename": "ArtifactCollectionMembership", "id": shaped["id"],
            "versionIndex": shaped["versionIndex"], "createdAt": shaped["createdAt"],
            "aliases": shaped["aliases"], "artifactCollection": shaped["artifactCollection"],
            "artifact": shaped, "files": shaped["files"]}


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str)


def _latest(ctx: Context, info: ArtifactInfo) -> dict[str, Any] | None:
    with ctx.store.artifact_session() as arts:
        latest = arts.get(info.entity, info.project, info.name, LATEST)
    return None if latest is None else {"id": artifact_id(latest.id),
                                        "versionIndex": latest.version}


def _used_by(ctx: Context, info: ArtifactInfo) -> dict[str, Any]:
    with ctx.store.artifact_session() as arts:
        users = arts.users_of(info.id)
    runs = [found for found in (_run(ctx, pk) for pk in users) if found is not None]
    return {"edges": [{"node": run} for run in runs]}


def _files(ctx: Context, info: ArtifactInfo, given: dict[str, Any]) -> dict[str, Any]:
    """``files(names, after, first)`` and ``filesByManifestEntries(entries)``: each file with
    a signed download URL."""
    with ctx.store.artifact_session() as arts:
        stored = [f for f in arts.entries(info.id) if f.media is not None]
    names = given.get("names")
    if isinstance(given.get("entries"), list):
        names = [e.get("name") for e in given["entries"] if isinstance(e, dict)]
    if isinstance(names, list) and names:
        wanted = set(names)
        stored = [f for f in stored if f.path in wanted]
    start = cursor_offset(given.get("after"))
    size = page_size(given.get("first"), len(stored))
    page = stored[start:start + size]
    edges = []
    for i, f in enumerate(page):
        url = files.file_url(ctx, info.id, f.path)
        edges.append({"cursor": str(start + i + 1), "node": {
            "__typename": "File", "id": f"{artifact_id(info.id)}:{f.path}", "name": f.path,
            "displayName": f.path.rsplit("/", 1)[-1], "url": url, "directUrl": url,
            "sizeBytes": f.size, "storagePath": f.media, "digest": None,
            "md5": lambda _, f=f: files.md5_of(ctx.store.media, f), "mimetype": None}})
    return {"edges": edges, "totalCount": len(stored),
            "pageInfo": {"__typename": "PageInfo",
                         "endCursor": edges[-1]["cursor"] if edges else None,
                         "hasNextPage": start + size < len(stored)}}


def by_id(ctx: Context, raw: Any) -> ArtifactInfo | None:
    """The version a W&B id names (a pending one once committed); None when the caller may
    not read it."""
    version_id, token = parse_artifact_id(raw)
    if token is not None:
        try:
            version_id = Pending.open(ctx.store.media, token).version_id()
        except NotFound:  # an unknown token reads as a missing artifact
            version_id = None
    if version_id is None:
        return None
    with ctx.store.artifact_session() as arts:
        info = arts.by_id(version_id)
    if info is None or not readable(ctx, info.entity, info.project):
        return None
    return info


def artifact(ctx: Context, args: dict[str, Any]) -> dict[str, Any] | None:
    """``artifact(id)``."""
    info = by_id(ctx, args.get("id"))
    return None if info is None else shape_artifact(ctx, info)


def _by_name(ctx: Context, entity: str, project: str, spec: str | None,
             alias: str | None = None) -> ArtifactInfo | None:
    if not spec:
        return None
    name, _, given = spec.partition(":")
    alias = alias or given or LATEST
    if not readable(ctx, entity, project):
        return None
    with ctx.store.artifact_session() as arts:
        return arts.get(entity, project, name, alias)


def project_fields(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """The artifact fields of ``project(name, entityName)``."""
    project = text(args.get("name"), "name") or ""
    entity = heron_entity(ctx, text(args.get("entityName"), "entityName"))

    def one(given: dict[str, Any]) -> dict[str, Any] | None:
        found = _by_name(ctx, entity, project, given.get("name"))
        return None if found is None else shape_artifact(ctx, found)

    def member(given: dict[str, Any]) -> dict[str, Any] | None:
        found = one(given)
        return None if found is None else membership(found)

    def collection(given: dict[str, Any], kind: str | None = None) -> dict[str, Any] | None:
        name = given.get("name")
        if not isinstance(name, str) or not readable(ctx, entity, project):
            return None
        with ctx.store.artifact_session() as arts:
            found = [c for c in arts.collections(entity, project, kind) if c.name == name]
        if not found:
            return None

        def version(sub: dict[str, Any]) -> dict[str, Any] | None:
            hit = _by_name(ctx, entity, project, name, sub.get("aliasName") or LATEST)
            return None if hit is None else membership(shape_artifact(ctx, hit))

        return {"__typename": "ArtifactSequence", "id": f"{entity}/{project}/{name}",
                "name": name, "description": found[0].description,
                "digestAlgorithm": "MANIFEST_MD5", "project": _project(ctx, entity, project),
                "artifactMembership": version,
                "createdAt": iso(found[0].created_at)}

    def artifact_type(given: dict[str, Any]) -> dict[str, Any] | None:
        kind = given.get("name")
        if not isinstance(kind, str) or not readable(ctx, entity, project):
            return None
        with ctx.store.artifact_session() as arts:
            found = arts.collections(entity, project, kind)
        if not found:
            return None
        return {"__typename": "ArtifactType", "id": f"{entity}/{project}/{kind}",
                "name": kind, "description": None,
                "createdAt": iso(min(c.created_at for c in found)),
                "artifactCollection": lambda sub: collection(sub, kind),
                "artifactSequence": lambda sub: collection(sub, kind)}

    return {"artifact": one, "artifactCollectionMembership": member,
            "artifactType": artifact_type, "artifactCollection": collection}


def with_artifacts(resolver: Resolver) -> Resolver:
    """``resolver`` (``queries.project``) with the project's artifact fields added."""
    def both(ctx: Context, args: dict[str, Any]) -> Any:
        answer = resolver(ctx, args)
        if not isinstance(answer, dict):
            return answer
        return {**answer, **project_fields(ctx, args)}
    return both


def use_artifact(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``run.use_artifact``: the run's use of the version, as an ``ArtifactUse`` record."""
    given = args.get("input")
    if not isinstance(given, dict):
        given = {}
    info = by_id(ctx, given.get("artifactID"))
    if info is None:
        raise RunNotFound(f"no artifact {str(given.get('artifactID'))[:100]!r} to use")
    run = entities.writable_run(ctx, text(given.get("entityName"), "entityName"),
                       text(given.get("projectName"), "projectName") or "",
                       text(given.get("runName"), "runName") or "")
    use = r.ArtifactUse(project=info.project, entity=info.entity, name=info.name,
                        version=info.version, used_at=time.time())
    batch = r.Batch(project=run.project, run_id=run.run_id, seq=0, entity=run.entity,
                    records=[use])
    ctx.guard.check_batch(batch)
    ctx.store.write(batch, ctx.caller.user)
    return {"artifact": shape_artifact(ctx, info)}


RESOLVERS: dict[str, Resolver] = {
    "artifact": artifact,
    "useArtifact": use_artifact,
}
