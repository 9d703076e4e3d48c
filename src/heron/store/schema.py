"""The store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

History is columnar: each metric of each run is a sequence of chunks holding packed arrays of
steps and values, so reading one metric of a long run is a handful of rows, not one row per
point. Values that are not numbers (strings, lists, media references) sit in ``history_objects``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# The Alembic revision the tables below correspond to; a test keeps it equal to the head.
SCHEMA_REVISION = "0006"


def Int() -> TypeEngine[int]:
    """INTEGER on SQLite (64-bit there; the rowid for primary keys), BIGINT on PostgreSQL, so
    ids, exit codes and pids a client sends fit on both as they do on SQLite."""
    return Integer().with_variant(BigInteger(), "postgresql")


class _NulAsReplacement(TypeDecorator[str]):
    """Text that stores NUL characters as U+FFFD, on both backends (docs/server.md, "Limits").

    PostgreSQL refuses NUL in text and SQLite would keep it: one rule for both, so a run name,
    key, console line or file name reads back the same from either. Lookups are replaced the
    same way, so they match. (Values inside configs, summaries and history objects are msgpack
    in binary columns and keep NUL on both.)"""

    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is not None and "\x00" in value:
            return value.replace("\x00", "\ufffd")
        return value


class PgText(_NulAsReplacement):
    """TEXT, NUL stored as U+FFFD (see ``_NulAsReplacement``)."""

    impl = Text
    cache_ok = True  # SQLAlchemy asks each class to say so itself


class _PgString(_NulAsReplacement):
    """VARCHAR(length), NUL stored as U+FFFD (SQLite's DDL stays as it was)."""

    impl = String
    cache_ok = True


def Str(length: int) -> TypeEngine[str]:
    """VARCHAR(length) on SQLite, which never enforces the length; unbounded TEXT on
    PostgreSQL, which would, so both take the same names, keys and states. NUL is stored as
    U+FFFD on both (see ``_NulAsReplacement``)."""
    return _PgString(length).with_variant(PgText(), "postgresql")


def AnyText() -> TypeEngine[str]:
    """TEXT on both, NUL stored as U+FFFD on both (see ``_NulAsReplacement``)."""
    return PgText()


metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("entity", Str(128), nullable=False, default=""),
    Column("name", Str(128), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("entity", "name", name="uq_projects_entity_name"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("project_id", Int(), ForeignKey("projects.id"), nullable=False),
    Column("run_id", Str(64), nullable=False),
    Column("name", Str(256), nullable=False),
    Column("state", Str(16), nullable=False),
    # msgpack, not JSON: configs and summaries may hold NaN and +/-Inf.
    Column("config", LargeBinary, nullable=False),
    Column("summary", LargeBinary, nullable=False),
    Column("metrics", LargeBinary, nullable=False),
    Column("tags", LargeBinary, nullable=False),
    Column("metadata", LargeBinary, nullable=False),
    Column("notes", AnyText()),
    Column("group_name", Str(256)),
    Column("job_type", Str(128)),
    Column("sweep_id", Str(64)),
    Column("user_name", Str(128)),
    Column("host", Str(256)),
    Column("pid", Int()),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Column("heartbeat_interval", Float, nullable=False),
    Column("ended_at", Float),
    Column("exit_code", Int()),
    Column("traceback", AnyText()),
    Column("last_step", BigInteger, nullable=False, default=-1),
    Column("history_rows", BigInteger, nullable=False, default=0),
    Column("last_seq", BigInteger, nullable=False, default=0),
    # When someone asked the running run to stop (the dashboard's Stop, the REST API); the
    # run's SDK reads it and ends the script. Cleared when the run starts again.
    Column("stop_requested_at", Float),
    UniqueConstraint("project_id", "run_id", name="uq_runs_project_run"),
)
Index("ix_runs_sweep", runs.c.sweep_id)

history_chunks = Table(
    "history_chunks",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("run_pk", Int(), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    # 0 = the user's history (x is _step); 1 = system metrics (x is the sample index).
    Column("stream", Int(), nullable=False),
    Column("key", Str(512), nullable=False),
    Column("step_min", BigInteger, nullable=False),
    Column("step_max", BigInteger, nullable=False),
    Column("count", Int(), nullable=False),
    Column("dtype", Str(4), nullable=False),
    Column("steps", LargeBinary, nullable=False),
    Column("vals", LargeBinary, nullable=False),
)
Index("ix_chunks_run_key", history_chunks.c.run_pk, history_chunks.c.stream, history_chunks.c.key,
      history_chunks.c.step_min)

history_objects = Table(
    "history_objects",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("run_pk", Int(), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("stream", Int(), nullable=False),
    Column("key", Str(512), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("value", LargeBinary, nullable=False),
)
Index("ix_objects_run_key", history_objects.c.run_pk, history_objects.c.stream,
      history_objects.c.key, history_objects.c.step)

console_lines = Table(
    "console_lines",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("run_pk", Int(), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("stream", Str(8), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("text", AnyText(), nullable=False),
)
Index("ix_console_run", console_lines.c.run_pk, console_lines.c.id)

run_files = Table(
    "run_files",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("run_pk", Int(), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("name", Str(1024), nullable=False),
    Column("path", Str(1024), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", Str(64), nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("run_pk", "name", name="uq_files_run_name"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("run_pk", Int(), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("title", AnyText(), nullable=False),
    Column("text", AnyText(), nullable=False),
    Column("level", Str(16), nullable=False),
    Column("timestamp", Float, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("name", Str(128), nullable=False, unique=True),
    Column("admin", Int(), nullable=False, default=0),
    Column("created_at", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("user_id", Int(), ForeignKey("users.id"), nullable=False),
    # Only a SHA-256 of the key is kept; keys carry 256 random bits, so a slow hash adds nothing.
    Column("key_hash", Str(64), nullable=False, unique=True),
    Column("hint", Str(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
)

events = Table(
    "events",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("project_id", Int(), nullable=False),
    Column("run_pk", Int(), nullable=False),
    Column("created_at", Float, nullable=False),
    # msgpack: {"run": bool, "history": [rows] | None, "history_range": [first, last] | None,
    # "console": [lines] | None}; what the live feed sends for this batch.
    Column("payload", LargeBinary, nullable=False),
)
Index("ix_events_project", events.c.project_id, events.c.id)
