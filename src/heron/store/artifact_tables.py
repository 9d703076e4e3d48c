"""The tables behind artifacts (docs/artifacts.md): collections of versions per project, their
aliases, files and the runs that used them.

A version's files are content-addressed in the media store (``media/ab/<sha256>``), so a file
that several versions or collections hold is stored once; a version holds only the list of its
entries. ``digest`` (over the sorted entries) is unique per collection: the same content logged
again finds its version instead of making a new one.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    Table,
    UniqueConstraint,
)

from heron.store.schema import AnyText, Int, Str, metadata

artifact_collections = Table(
    "artifact_collections",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("project_id", Int(), ForeignKey("projects.id"), nullable=False),
    Column("name", Str(128), nullable=False),
    Column("type", Str(64), nullable=False),
    Column("description", AnyText()),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("project_id", "name", name="uq_artifact_collections_project_name"),
)

artifact_versions = Table(
    "artifact_versions",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("collection_id", Int(), ForeignKey("artifact_collections.id", ondelete="CASCADE"),
           nullable=False),
    Column("version", Int(), nullable=False),
    Column("digest", Str(64), nullable=False),
    Column("description", AnyText()),
    Column("metadata", LargeBinary, nullable=False),  # msgpack, like a run's config
    Column("size", BigInteger, nullable=False),
    Column("file_count", Int(), nullable=False),
    # The run that logged it; null once that run is deleted (the version stays).
    Column("run_pk", Int()),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("collection_id", "version", name="uq_artifact_versions_number"),
    UniqueConstraint("collection_id", "digest", name="uq_artifact_versions_digest"),
)
Index("ix_artifact_versions_run", artifact_versions.c.run_pk)

artifact_aliases = Table(
    "artifact_aliases",
    metadata,
    Column("collection_id", Int(), ForeignKey("artifact_collections.id", ondelete="CASCADE"),
           primary_key=True),
    Column("alias", Str(128), primary_key=True),
    Column("version_id", Int(), ForeignKey("artifact_versions.id", ondelete="CASCADE"),
           nullable=False),
)

artifact_entries = Table(
    "artifact_entries",
    metadata,
    Column("version_id", Int(), ForeignKey("artifact_versions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("path", Str(1024), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("sha256", Str(64)),
    Column("media", Str(128)),
    Column("ref", AnyText()),
)

artifact_usage = Table(
    "artifact_usage",
    metadata,
    Column("version_id", Int(), ForeignKey("artifact_versions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("run_pk", Int(), primary_key=True),
    Column("used_at", Float, nullable=False),
)
Index("ix_artifact_usage_run", artifact_usage.c.run_pk)

ARTIFACT_TABLES = (artifact_collections, artifact_versions, artifact_aliases, artifact_entries,
                   artifact_usage)
