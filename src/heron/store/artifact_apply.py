"""Writing artifacts inside a batch's transaction (``apply.apply_batch``): a logged version
(``ArtifactLog``) and a use of one (``ArtifactUse``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from heron import records as r
from heron.artifacts.manifest import digest_of
from heron.store.artifact_tables import (
    artifact_aliases,
    artifact_collections,
    artifact_entries,
    artifact_usage,
    artifact_versions,
)
from heron.store.chunks import encode_object
from heron.store.schema import projects, runs

LATEST = "latest"


def _collection(conn: Connection, project_id: int, name: str, kind: str,
                now: float) -> Any:
    """The collection's row, locked until commit (version numbers are handed out under it);
    made when missing."""
    query = select(artifact_collections).where(artifact_collections.c.project_id == project_id,
                                               artifact_collections.c.name == name)
    values = {"project_id": project_id, "name": name, "type": kind, "created_at": now}
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(artifact_collections).values(**values)
                     .on_conflict_do_nothing(index_elements=["project_id", "name"]))
        return conn.execute(query.with_for_update()).one()
    found = conn.execute(query).first()
    if found is None:
        conn.execute(insert(artifact_collections).values(**values))
        found = conn.execute(query).one()
    return found


def apply_artifacts(conn: Connection, run_pk: int,
                    records: list[r.ArtifactLog | r.ArtifactUse], now: float) -> None:
    project_id = int(conn.execute(select(runs.c.project_id).where(runs.c.id == run_pk))
                     .scalar_one())
    for rec in records:
        if isinstance(rec, r.ArtifactLog):
            log_artifact(conn, project_id, run_pk, rec, now)
        else:
            use_artifact(conn, run_pk, rec, now)


def log_artifact(conn: Connection, project_id: int, run_pk: int | None, rec: r.ArtifactLog,
                 now: float) -> int | None:
    """The version ``rec`` names (new, or the one with the same content), with its aliases
    moved onto it; None (nothing written) when the collection holds another type: the SDK's
    ``wait()`` says so, and the batch's other records are kept."""
    collection = _collection(conn, project_id, rec.name, rec.artifact_type, now)
    if collection.type != rec.artifact_type:
        return None
    digest = digest_of(rec.entries)
    version_id = conn.execute(
        select(artifact_versions.c.id).where(artifact_versions.c.collection_id == collection.id,
                                             artifact_versions.c.digest == digest)).scalar()
    if version_id is None:
        number = conn.execute(select(func.max(artifact_versions.c.version)).where(
            artifact_versions.c.collection_id == collection.id)).scalar()
        made = conn.execute(insert(artifact_versions).values(
            collection_id=collection.id, version=0 if number is None else number + 1,
            digest=digest, description=rec.description, metadata=encode_object(rec.metadata),
            size=sum(e.size for e in rec.entries), file_count=len(rec.entries), run_pk=run_pk,
            created_at=rec.logged_at or now, updated_at=now))
        version_id = int(made.inserted_primary_key[0])  # type: ignore[index]
        if rec.entries:
            conn.execute(insert(artifact_entries), [
                {"version_id": version_id, "path": e.path, "size": e.size, "sha256": e.sha256,
                 "media": e.media, "ref": e.ref} for e in rec.entries])
    set_aliases(conn, collection.id, version_id, [LATEST, *rec.aliases])
    return int(version_id)


def set_aliases(conn: Connection, collection_id: int, version_id: int,
                aliases: list[str]) -> None:
    """Point ``aliases`` at the version; an alias names one version of a collection, so it
    leaves whichever version held it."""
    for alias in dict.fromkeys(aliases):
        conn.execute(delete(artifact_aliases).where(
            artifact_aliases.c.collection_id == collection_id, artifact_aliases.c.alias == alias))
        conn.execute(insert(artifact_aliases).values(collection_id=collection_id, alias=alias,
                                                     version_id=version_id))


def link_version(conn: Connection, version_id: int, project_id: int, name: str,
                 aliases: list[str], now: float) -> int | None:
    """Add a stored version to collection ``name`` of the project (W&B's ``link``): the
    collection's version with the same files (new, or the one it has), with the source's
    description, metadata and producer, and ``aliases`` (and ``latest``) on it. The files are
    shared, not copied. None when the source is gone or the collection holds another type."""
    from heron.store.deep_values import decode_stored

    source = conn.execute(
        select(artifact_versions, artifact_collections.c.type)
        .join(artifact_collections,
              artifact_collections.c.id == artifact_versions.c.collection_id)
        .where(artifact_versions.c.id == version_id)).first()
    if source is None:
        return None
    entries = [r.ArtifactEntry(path=row.path, size=row.size, sha256=row.sha256, media=row.media,
                               ref=row.ref)
               for row in conn.execute(select(artifact_entries).where(
                   artifact_entries.c.version_id == version_id))]
    rec = r.ArtifactLog(name=name, artifact_type=source.type, digest=source.digest,
                        entries=entries, description=source.description,
                        metadata=decode_stored(source.metadata), aliases=aliases,
                        logged_at=now)
    return log_artifact(conn, project_id, source.run_pk, rec, now)


def version_id_of(conn: Connection, entity: str, project: str, name: str,
                  version: int) -> int | None:
    query = (select(artifact_versions.c.id)
             .join(artifact_collections,
                   artifact_collections.c.id == artifact_versions.c.collection_id)
             .join(projects, projects.c.id == artifact_collections.c.project_id)
             .where(projects.c.entity == entity, projects.c.name == project,
                    artifact_collections.c.name == name, artifact_versions.c.version == version))
    found = conn.execute(query).scalar()
    return None if found is None else int(found)


def use_artifact(conn: Connection, run_pk: int, rec: r.ArtifactUse, now: float) -> None:
    """Record that the run used the version (once per run and version); a version that no
    longer exists is skipped."""
    version_id = version_id_of(conn, rec.entity, rec.project, rec.name, rec.version)
    if version_id is None:
        return
    exists = conn.execute(select(artifact_usage.c.run_pk).where(
        artifact_usage.c.version_id == version_id, artifact_usage.c.run_pk == run_pk)).first()
    if exists is None:
        conn.execute(insert(artifact_usage).values(version_id=version_id, run_pk=run_pk,
                                                   used_at=rec.used_at or now))


def forget_run(conn: Connection, run_pk: int) -> None:
    """A deleted run: its uses go, the versions it logged stay (without their producer)."""
    conn.execute(delete(artifact_usage).where(artifact_usage.c.run_pk == run_pk))
    conn.execute(update(artifact_versions).where(artifact_versions.c.run_pk == run_pk)
                 .values(run_pk=None))
