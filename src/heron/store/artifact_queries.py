"""Reading and editing artifacts (``SqlStore``'s artifact methods): versions by alias or
number, collections, types, entries, lineage; edits of aliases, description and metadata;
deleting a version."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from sqlalchemy import Select, and_, delete, or_, select, update
from sqlalchemy.engine import Connection, Row

from heron.errors import Conflict, NotFound, ValueRejected
from heron.store.apply import project_pk
from heron.store.artifact_apply import LATEST, link_version, set_aliases
from heron.store.artifact_tables import (
    artifact_aliases,
    artifact_collections,
    artifact_entries,
    artifact_usage,
    artifact_versions,
)
from heron.store.chunks import encode_object
from heron.store.deep_values import decode_stored
from heron.store.schema import projects


@dataclasses.dataclass
class ArtifactInfo:
    """One artifact version as stored."""

    id: int
    entity: str
    project: str
    name: str
    type: str
    version: int
    digest: str
    description: str | None
    metadata: dict[str, Any]
    size: int
    file_count: int
    aliases: list[str]
    run_pk: int | None
    """The run that logged it (None once that run was deleted)."""
    created_at: float
    updated_at: float


@dataclasses.dataclass
class ArtifactFile:
    path: str
    size: int
    sha256: str | None
    media: str | None
    ref: str | None


@dataclasses.dataclass
class CollectionInfo:
    entity: str
    project: str
    name: str
    type: str
    description: str | None
    created_at: float
    version_count: int


def _versions() -> Select[Any]:
    return (select(artifact_versions, artifact_collections.c.name, artifact_collections.c.type,
                   projects.c.entity, projects.c.name.label("project"))
            .join(artifact_collections,
                  artifact_collections.c.id == artifact_versions.c.collection_id)
            .join(projects, projects.c.id == artifact_collections.c.project_id))


def _infos(conn: Connection, rows: list[Row[Any]]) -> list[ArtifactInfo]:
    ids = [row.id for row in rows]
    aliases: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for version_id, alias in conn.execute(
                select(artifact_aliases.c.version_id, artifact_aliases.c.alias)
                .where(artifact_aliases.c.version_id.in_(ids))
                .order_by(artifact_aliases.c.alias)):
            aliases[version_id].append(alias)
    return [ArtifactInfo(
        id=row.id, entity=row.entity, project=row.project, name=row.name, type=row.type,
        version=row.version, digest=row.digest, description=row.description,
        metadata=decode_stored(row.metadata), size=row.size, file_count=row.file_count,
        aliases=aliases[row.id], run_pk=row.run_pk, created_at=row.created_at,
        updated_at=row.updated_at) for row in rows]


def get_artifact(conn: Connection, entity: str, project: str, name: str,
                 alias: str) -> ArtifactInfo | None:
    """The version of ``name`` that ``alias`` (or ``vN``) names."""
    query = _versions().where(projects.c.entity == entity, projects.c.name == project,
                              artifact_collections.c.name == name)
    if alias[:1] == "v" and alias[1:].isdigit():
        query = query.where(artifact_versions.c.version == int(alias[1:]))
    else:
        query = query.join(artifact_aliases,
                           artifact_aliases.c.version_id == artifact_versions.c.id).where(
            artifact_aliases.c.alias == alias)
    found = _infos(conn, list(conn.execute(query)))
    return found[0] if found else None


def artifact_by_id(conn: Connection, version_id: int) -> ArtifactInfo | None:
    found = _infos(conn, list(conn.execute(_versions().where(
        artifact_versions.c.id == version_id))))
    return found[0] if found else None


@dataclasses.dataclass(frozen=True)
class Page:
    """At most ``limit`` items (all when None) after ``after``: the last item of the page
    before, as ``version_cursor`` / ``CollectionInfo.name`` give it. A cursor, not an offset,
    so that versions logged meanwhile neither repeat nor skip an item."""

    limit: int | None = None
    after: str | None = None


ALL = Page()
MAX_PAGE = 1000
"""The largest page the REST API hands out at once."""


def version_cursor(info: ArtifactInfo) -> str:
    """Where the page after ``info`` starts, in the order versions are listed: ``name:vN``."""
    return f"{info.name}:v{info.version}"


def _parse_version_cursor(after: str) -> tuple[str, int]:
    name, _, number = after.rpartition(":v")
    if not name or not number.isdigit() or len(number) > 18:
        raise ValueRejected(f"cursor {after[:200]!r} is not a version's 'name:vN'")
    return name, int(number)


def list_artifacts(conn: Connection, entity: str, project: str, name: str | None = None,
                   kind: str | None = None, page: Page = ALL) -> list[ArtifactInfo]:
    """Versions of the project's collections (of one collection or type), by collection name,
    newest first."""
    query = _versions().where(projects.c.entity == entity, projects.c.name == project)
    if name is not None:
        query = query.where(artifact_collections.c.name == name)
    if kind is not None:
        query = query.where(artifact_collections.c.type == kind)
    if page.after is not None:
        last_name, last_version = _parse_version_cursor(page.after)
        query = query.where(or_(
            artifact_collections.c.name > last_name,
            and_(artifact_collections.c.name == last_name,
                 artifact_versions.c.version < last_version)))
    query = query.order_by(artifact_collections.c.name, artifact_versions.c.version.desc())
    return _infos(conn, list(conn.execute(query.limit(page.limit))))


def get_collection_type(conn: Connection, entity: str, project: str, name: str) -> str | None:
    query = (select(artifact_collections.c.type)
             .join(projects, projects.c.id == artifact_collections.c.project_id)
             .where(projects.c.entity == entity, projects.c.name == project,
                    artifact_collections.c.name == name))
    found = conn.execute(query).scalar()
    return None if found is None else str(found)


def collections(conn: Connection, entity: str, project: str,
                kind: str | None = None, page: Page = ALL) -> list[CollectionInfo]:
    """The project's collections (of one type), by name."""
    from sqlalchemy import func

    query = (select(artifact_collections, func.count(artifact_versions.c.id).label("versions"))
             .join(projects, projects.c.id == artifact_collections.c.project_id)
             .outerjoin(artifact_versions,
                        artifact_versions.c.collection_id == artifact_collections.c.id)
             .where(projects.c.entity == entity, projects.c.name == project)
             .group_by(artifact_collections.c.id).order_by(artifact_collections.c.name)
             .limit(page.limit))
    if kind is not None:
        query = query.where(artifact_collections.c.type == kind)
    if page.after is not None:
        query = query.where(artifact_collections.c.name > page.after)
    return [CollectionInfo(entity=entity, project=project, name=row.name, type=row.type,
                           description=row.description, created_at=row.created_at,
                           version_count=row.versions) for row in conn.execute(query)]


def entries(conn: Connection, version_id: int) -> list[ArtifactFile]:
    query = (select(artifact_entries).where(artifact_entries.c.version_id == version_id)
             .order_by(artifact_entries.c.path))
    return [ArtifactFile(path=row.path, size=row.size, sha256=row.sha256, media=row.media,
                         ref=row.ref) for row in conn.execute(query)]


def logged_by_run(conn: Connection, run_pk: int) -> list[ArtifactInfo]:
    query = _versions().where(artifact_versions.c.run_pk == run_pk).order_by(
        artifact_versions.c.created_at, artifact_versions.c.id)
    return _infos(conn, list(conn.execute(query)))


def used_by_run(conn: Connection, run_pk: int) -> list[ArtifactInfo]:
    query = (_versions().join(artifact_usage,
                              artifact_usage.c.version_id == artifact_versions.c.id)
             .where(artifact_usage.c.run_pk == run_pk).order_by(artifact_usage.c.used_at))
    return _infos(conn, list(conn.execute(query)))


def users_of(conn: Connection, version_id: int) -> list[int]:
    """The pks of the runs that used the version, in the order they did."""
    query = (select(artifact_usage.c.run_pk).where(artifact_usage.c.version_id == version_id)
             .order_by(artifact_usage.c.used_at))
    return [int(pk) for pk in conn.execute(query).scalars()]


def edit_artifact(conn: Connection, version_id: int, description: str | None,
                  metadata: dict[str, Any] | None, aliases: list[str] | None) -> None:
    """``artifact.save()``: the given fields replace the stored ones; ``aliases`` is the whole
    new list (``latest`` is kept where it is: it follows the newest logged version)."""
    values: dict[str, Any] = {"updated_at": time.time()}
    if description is not None:
        values["description"] = description
    if metadata is not None:
        values["metadata"] = encode_object(metadata)
    conn.execute(update(artifact_versions).where(artifact_versions.c.id == version_id)
                 .values(**values))
    if aliases is None:
        return
    collection_id = conn.execute(select(artifact_versions.c.collection_id).where(
        artifact_versions.c.id == version_id)).scalar_one()
    conn.execute(delete(artifact_aliases).where(artifact_aliases.c.version_id == version_id,
                                                artifact_aliases.c.alias != LATEST))
    set_aliases(conn, collection_id, version_id, [a for a in aliases if a != LATEST])


def delete_artifact(conn: Connection, version_id: int, delete_aliases: bool) -> None:
    """Delete the version; refused (``Conflict``) while aliases point at it, unless
    ``delete_aliases``. Its files stay in the media store (other versions may share them)."""
    held = list(conn.execute(select(artifact_aliases.c.alias).where(
        artifact_aliases.c.version_id == version_id)).scalars())
    if held and not delete_aliases:
        raise Conflict(f"the artifact version has aliases {sorted(held)}: remove them first "
                       "or pass delete_aliases=True")
    for table in (artifact_aliases, artifact_entries, artifact_usage):
        conn.execute(delete(table).where(table.c.version_id == version_id))
    conn.execute(delete(artifact_versions).where(artifact_versions.c.id == version_id))


class ArtifactSession:
    """The artifact queries above over one transaction (``SqlStore.artifact_session``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def get(self, entity: str, project: str, name: str, alias: str) -> ArtifactInfo | None:
        return get_artifact(self._conn, entity, project, name, alias)

    def by_id(self, version_id: int) -> ArtifactInfo | None:
        return artifact_by_id(self._conn, version_id)

    def versions(self, entity: str, project: str, name: str | None = None,
                 kind: str | None = None, page: Page = ALL) -> list[ArtifactInfo]:
        return list_artifacts(self._conn, entity, project, name, kind, page)

    def collections(self, entity: str, project: str,
                    kind: str | None = None, page: Page = ALL) -> list[CollectionInfo]:
        return collections(self._conn, entity, project, kind, page)

    def entries(self, version_id: int) -> list[ArtifactFile]:
        return entries(self._conn, version_id)

    def logged_by_run(self, run_pk: int) -> list[ArtifactInfo]:
        return logged_by_run(self._conn, run_pk)

    def used_by_run(self, run_pk: int) -> list[ArtifactInfo]:
        return used_by_run(self._conn, run_pk)

    def users_of(self, version_id: int) -> list[int]:
        return users_of(self._conn, version_id)

    def edit(self, version_id: int, description: str | None = None,
             metadata: dict[str, Any] | None = None, aliases: list[str] | None = None) -> None:
        edit_artifact(self._conn, version_id, description, metadata, aliases)

    def delete(self, version_id: int, delete_aliases: bool = False) -> None:
        delete_artifact(self._conn, version_id, delete_aliases)

    def link(self, version_id: int, entity: str, project: str, name: str,
             aliases: list[str]) -> int:
        """Add the version to collection ``name`` of ``entity/project`` with ``aliases``
        (``artifact_apply.link_version``); the id of the version there. ``Conflict`` when that
        collection holds another type, ``NotFound`` when the version is gone."""
        linked = link_version(self._conn, version_id, project_pk(self._conn, entity, project),
                              name, aliases, time.time())
        if linked is None:
            held = get_collection_type(self._conn, entity, project, name)
            if held is None:
                raise NotFound(f"no artifact version {version_id}")
            raise Conflict(f"artifact {name!r} of project {project!r} is a {held!r}: a name "
                           "keeps its type, so a version of another type cannot join it")
        return linked
