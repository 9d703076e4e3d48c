"""``heron.Api``'s artifact reads: a version by ``[entity/]project/name:alias``, a project's
versions, types and collections (W&B's ``api.artifact``, ``artifacts``, ``artifact_types``,
``artifact_collections``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from heron.artifacts import manifest
from heron.artifacts.artifact import Artifact
from heron.errors import NotFound, ValueRejected


@dataclass
class ArtifactType:
    name: str
    collections: list[Any]


def _session(store: Any, write: bool = False) -> Any:
    return store.artifact_session(write=write)


def _where(path: str | None, default_project: str | None, default_entity: str | None
           ) -> tuple[str, str]:
    parts = [p for p in (path or "").split("/") if p]
    if len(parts) > 2:
        raise ValueRejected(f"project path {path!r} must be 'project' or 'entity/project'")
    project = parts[-1] if parts else default_project
    if project is None:
        raise ValueRejected("name a project: 'project' or 'entity/project'")
    entity = parts[0] if len(parts) == 2 else (default_entity or "")
    return entity, project


def artifact(store: Any, spec: str, kind: str | None, default_project: str | None,
             default_entity: str | None) -> Artifact:
    try:
        entity, project, name, alias = manifest.parse_ref(spec, default_project or "")
    except ValueError as exc:
        raise ValueRejected(str(exc)) from None
    if not project:
        raise ValueRejected(f"artifact {spec!r} names no project: 'project/name:alias'")
    with _session(store) as s:
        found = s.get(entity or default_entity or "", project, name, alias)
    if found is None:
        raise NotFound(f"no artifact {name}:{alias} in project {project}")
    if kind is not None and found.type != kind:
        raise ValueRejected(f"artifact {found.name}:v{found.version} is a {found.type!r}, not "
                            f"a {kind!r}")
    return Artifact._from_store(found, store)


def artifacts(store: Any, kind: str | None, name: str, default_project: str | None,
              default_entity: str | None) -> list[Artifact]:
    """Every version of collection ``[entity/][project/]name`` (newest first)."""
    parts = name.split("/")
    entity, project = _where("/".join(parts[:-1]) or None, default_project, default_entity)
    with _session(store) as s:
        found = s.versions(entity, project, parts[-1], kind)
    return [Artifact._from_store(info, store) for info in found]


def artifact_types(store: Any, project: str | None, default_project: str | None,
                   default_entity: str | None) -> list[ArtifactType]:
    entity, name = _where(project, default_project, default_entity)
    with _session(store) as s:
        found = s.collections(entity, name)
    kinds: dict[str, list[Any]] = {}
    for collection in found:
        kinds.setdefault(collection.type, []).append(collection)
    return [ArtifactType(kind, kinds[kind]) for kind in sorted(kinds)]


def artifact_collections(store: Any, project: str | None, kind: str | None,
                         default_project: str | None, default_entity: str | None) -> list[Any]:
    entity, name = _where(project, default_project, default_entity)
    with _session(store) as s:
        return list(s.collections(entity, name, kind))


def run_artifacts(store: Any, run_pk: int, used: bool) -> list[Artifact]:
    with _session(store) as s:
        found = s.used_by_run(run_pk) if used else s.logged_by_run(run_pk)
    return [Artifact._from_store(info, store) for info in found]
