"""``heron.Api``'s artifact reads: a version by ``[entity/]project/name:alias``, a project's
versions, types and collections (W&B's ``api.artifact``, ``artifacts``, ``artifact_types``,
``artifact_collections``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

from heron.artifacts import manifest
from heron.artifacts.artifact import Artifact
from heron.errors import NotFound, ValueRejected
from heron.store.artifact_queries import MAX_PAGE, Page, version_cursor


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


class ArtifactVersions(Sequence[Artifact]):
    """W&B's ``Artifacts``: a collection's versions, newest first, read ``per_page`` at a time
    as they are iterated (``len()``, indexing and ``==`` read them all)."""

    def __init__(self, store: Any, entity: str, project: str, name: str, kind: str | None,
                 per_page: int) -> None:
        self._store, self._where = store, (entity, project, name, kind)
        self._per_page = per_page
        self._read: list[Artifact] = []
        self._after: str | None = None
        self._done = False

    def _next_page(self) -> bool:
        """Read the next page; False when there was none."""
        if self._done:
            return False
        with _session(self._store) as s:
            found = s.versions(*self._where, page=Page(self._per_page, self._after))
        self._read.extend(Artifact._from_store(info, self._store) for info in found)
        # A short page is the last; so is a longer one (a server that does not page).
        self._done = len(found) != self._per_page
        self._after = version_cursor(found[-1]) if found else None
        return bool(found)

    def __iter__(self) -> Iterator[Artifact]:
        at = 0
        while at < len(self._read) or self._next_page():
            yield self._read[at]
            at += 1

    def _all(self) -> list[Artifact]:
        while self._next_page():
            pass
        return self._read

    def __len__(self) -> int:
        return len(self._all())

    @overload
    def __getitem__(self, index: int) -> Artifact: ...

    @overload
    def __getitem__(self, index: slice) -> list[Artifact]: ...

    def __getitem__(self, index: int | slice) -> Artifact | list[Artifact]:
        return self._all()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._all() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<ArtifactVersions {'/'.join(self._where[1:3])}>"


def artifacts(store: Any, kind: str | None, name: str, default_project: str | None,
              default_entity: str | None, per_page: int = 50) -> ArtifactVersions:
    """The versions of collection ``[entity/][project/]name`` (newest first), read
    ``per_page`` at a time."""
    if isinstance(per_page, bool) or not isinstance(per_page, int) \
            or not 1 <= per_page <= MAX_PAGE:
        raise ValueRejected(f"per_page must be a whole number from 1 to {MAX_PAGE}, not "
                            f"{per_page!r}")
    parts = name.split("/")
    entity, project = _where("/".join(parts[:-1]) or None, default_project, default_entity)
    return ArtifactVersions(store, entity, project, parts[-1], kind, per_page)


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
