"""Artifacts over HTTP (docs/artifacts.md): a project's versions, collections, one version by
alias or number, its files, lineage, and edits; what ``heron.Api()`` and the SDK's
``wait()`` / ``use_artifact`` read through a server (``heron.store.remote``).

Versions are logged through ingest like the run's other records; these routes only read and
edit. The lists page by cursor: ``limit`` items after ``after``, the last item the caller has
(``name:vN`` for a version, a collection's name), as ``heron.Api().artifacts`` pages. A
project the caller may not see reads as one without artifacts; a version of such a project is
404.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from heron.errors import NotFound
from heron.server import permissions as p
from heron.server.guard import Guard, ReadGuard, WriteGuard
from heron.server.jsonsafe import SafeJSONResponse
from heron.server.serialize import run_json
from heron.store.artifact_queries import MAX_PAGE, ArtifactInfo, Page

router = APIRouter()
VersionId = Annotated[int, Path(ge=1, le=2**63 - 1, description="an artifact version's id")]


def artifact_json(guard: Guard, info: ArtifactInfo) -> dict[str, Any]:
    """A version for the API; ``logged_by`` names the run that logged it (or is null): its
    id, name, project, entity, state and user (``GET .../runs/{id}`` has the rest)."""
    out = {k: v for k, v in dataclasses.asdict(info).items() if k != "run_pk"}
    producer = guard.store.run_by_pk(info.run_pk) if info.run_pk is not None else None
    out["logged_by"] = None if producer is None else {
        "id": producer.run_id, "name": producer.name, "project": producer.project,
        "entity": producer.entity, "state": producer.state, "user": producer.user}
    return out


def _version(guard: Guard, version_id: int, need: int = p.READ) -> ArtifactInfo:
    with guard.store.artifact_session() as s:
        info = s.by_id(version_id)
    shown = guard.seen(info.entity, info.project) if info is not None else None
    if info is None or shown is None:
        raise NotFound(f"no artifact version {version_id}")
    guard.require(shown, need, f"artifact {info.name}:v{info.version}")
    return info


Limit = Annotated[int | None, Query(ge=1, le=MAX_PAGE,
                                    description="at most this many (all when absent)")]


@router.get("/projects/{project}/artifacts", response_class=SafeJSONResponse)
def artifacts(project: str, guard: ReadGuard, name: str | None = None,
              type: str | None = None, limit: Limit = None,
              after: Annotated[str | None, Query(max_length=300, description=(
                  "the last version of the page before, as 'name:vN'"))] = None) -> Any:
    """The project's versions (of one collection or type), by collection name, newest first;
    a page of ``limit`` of them after ``after`` (the last one the caller has)."""
    shown = guard.listed(project)
    if shown is None:
        return []
    with guard.store.artifact_session() as s:
        found = s.versions(shown.entity, project, name, type, Page(limit, after))
    return [artifact_json(guard, info) for info in found]


@router.get("/projects/{project}/artifact-collections", response_class=SafeJSONResponse)
def collections(project: str, guard: ReadGuard, type: str | None = None, limit: Limit = None,
                after: Annotated[str | None, Query(max_length=300, description=(
                    "the name of the last collection of the page before"))] = None) -> Any:
    """The project's collections (of one type), by name; a page as for versions."""
    shown = guard.listed(project)
    if shown is None:
        return []
    with guard.store.artifact_session() as s:
        found = s.collections(shown.entity, project, type, Page(limit, after))
    return [dataclasses.asdict(c) for c in found]


@router.get("/projects/{project}/artifacts/{name}/{alias}", response_class=SafeJSONResponse)
def artifact(project: str, name: str, alias: str, guard: ReadGuard) -> Any:
    """One version of ``name`` by alias (``latest``, ``best``) or number (``v3``)."""
    shown = guard.listed(project)
    found = None
    if shown is not None:
        with guard.store.artifact_session() as s:
            found = s.get(shown.entity, project, name, alias)
    if found is None:
        raise NotFound(f"no artifact {name}:{alias} in project {project!r}")
    return artifact_json(guard, found)


@router.get("/artifacts/{version_id}", response_class=SafeJSONResponse)
def artifact_by_id(version_id: VersionId, guard: ReadGuard) -> Any:
    return artifact_json(guard, _version(guard, version_id))


@router.get("/artifacts/{version_id}/files", response_class=SafeJSONResponse)
def artifact_files(version_id: VersionId, guard: ReadGuard) -> Any:
    """The version's entries: ``path``, ``size``, ``sha256``, and ``media`` (the stored file,
    read with ``GET /media/...``) or ``ref`` (a reference)."""
    _version(guard, version_id)
    with guard.store.artifact_session() as s:
        return [dataclasses.asdict(e) for e in s.entries(version_id)]


@router.get("/artifacts/{version_id}/users", response_class=SafeJSONResponse)
def artifact_users(version_id: VersionId, guard: ReadGuard) -> Any:
    """The runs that used the version, in the order they did."""
    _version(guard, version_id)
    with guard.store.artifact_session() as s:
        pks = s.users_of(version_id)
    runs = [guard.store.run_by_pk(pk) for pk in pks]
    return [run_json(run) for run in runs if run is not None]


@router.get("/projects/{project}/runs/{run_id}/artifacts", response_class=SafeJSONResponse)
def run_artifacts(project: str, run_id: str, guard: ReadGuard, used: bool = False) -> Any:
    """The versions the run logged, or (``used=true``) used."""
    info = guard.run(project, run_id)
    with guard.store.artifact_session() as s:
        found = s.used_by_run(info.pk) if used else s.logged_by_run(info.pk)
    return [artifact_json(guard, a) for a in found]


class ArtifactEdit(BaseModel):
    description: str | None = None
    metadata: dict[str, Any] | None = None
    aliases: list[str] | None = None


@router.patch("/artifacts/{version_id}", response_class=SafeJSONResponse)
def edit_artifact(version_id: VersionId, edit: ArtifactEdit, guard: WriteGuard) -> Any:
    """``artifact.save()``: description, metadata and the whole list of aliases."""
    from heron.artifacts.manifest import alias_problem
    from heron.errors import ValueRejected

    _version(guard, version_id, p.WRITE)
    for alias in edit.aliases or []:
        problem = alias_problem(alias)
        if problem is not None and alias != "latest":
            raise ValueRejected(problem)
    with guard.store.artifact_session(write=True) as s:
        s.edit(version_id, description=edit.description, metadata=edit.metadata,
               aliases=edit.aliases)
    return artifact_json(guard, _version(guard, version_id))


@router.delete("/artifacts/{version_id}")
def delete_artifact(version_id: VersionId, guard: WriteGuard,
                    delete_aliases: bool = False) -> dict[str, bool]:
    """Refused (409) while aliases point at the version, unless ``delete_aliases=true``."""
    info = _version(guard, version_id, p.WRITE)
    with guard.store.artifact_session(write=True) as s:
        s.delete(version_id, delete_aliases=delete_aliases)
    with guard.store.access_session(write=True) as access:
        access.record(guard.caller.user, "artifact.delete",
                      f"{info.entity}/{info.project}/{info.name}:v{info.version}",
                      {"type": info.type})
    return {"deleted": True}
