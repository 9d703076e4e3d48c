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

# The Alembic revision the tables below correspond to; a test keeps it equal to the head.
SCHEMA_REVISION = "0001"

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(128), nullable=False, default=""),
    Column("name", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("entity", "name", name="uq_projects_entity_name"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("run_id", String(64), nullable=False),
    Column("name", String(256), nullable=False),
    Column("state", String(16), nullable=False),
    # msgpack, not JSON: configs and summaries may hold NaN and +/-Inf.
    Column("config", LargeBinary, nullable=False),
    Column("summary", LargeBinary, nullable=False),
    Column("metrics", LargeBinary, nullable=False),
    Column("tags", LargeBinary, nullable=False),
    Column("metadata", LargeBinary, nullable=False),
    Column("notes", Text),
    Column("group_name", String(256)),
    Column("job_type", String(128)),
    Column("sweep_id", String(64)),
    Column("user_name", String(128)),
    Column("host", String(256)),
    Column("pid", Integer),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False),
    Column("heartbeat_interval", Float, nullable=False),
    Column("ended_at", Float),
    Column("exit_code", Integer),
    Column("traceback", Text),
    Column("last_step", BigInteger, nullable=False, default=-1),
    Column("history_rows", BigInteger, nullable=False, default=0),
    Column("last_seq", BigInteger, nullable=False, default=0),
    UniqueConstraint("project_id", "run_id", name="uq_runs_project_run"),
)
Index("ix_runs_sweep", runs.c.sweep_id)

history_chunks = Table(
    "history_chunks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_pk", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    # 0 = the user's history (x is _step); 1 = system metrics (x is the sample index).
    Column("stream", Integer, nullable=False),
    Column("key", String(512), nullable=False),
    Column("step_min", BigInteger, nullable=False),
    Column("step_max", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    Column("dtype", String(4), nullable=False),
    Column("steps", LargeBinary, nullable=False),
    Column("vals", LargeBinary, nullable=False),
)
Index("ix_chunks_run_key", history_chunks.c.run_pk, history_chunks.c.stream, history_chunks.c.key,
      history_chunks.c.step_min)

history_objects = Table(
    "history_objects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_pk", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("stream", Integer, nullable=False),
    Column("key", String(512), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("value", LargeBinary, nullable=False),
)
Index("ix_objects_run_key", history_objects.c.run_pk, history_objects.c.stream,
      history_objects.c.key, history_objects.c.step)

console_lines = Table(
    "console_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_pk", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("stream", String(8), nullable=False),
    Column("timestamp", Float, nullable=False),
    Column("text", Text, nullable=False),
)
Index("ix_console_run", console_lines.c.run_pk, console_lines.c.id)

run_files = Table(
    "run_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_pk", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(1024), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("run_pk", "name", name="uq_files_run_name"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_pk", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("level", String(16), nullable=False),
    Column("timestamp", Float, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("admin", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    # Only a SHA-256 of the key is kept; keys carry 256 random bits, so a slow hash adds nothing.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("hint", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Integer, nullable=False),
    Column("run_pk", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
    # msgpack: {"run": bool, "history": [rows] | None, "history_range": [first, last] | None,
    # "console": [lines] | None}; what the live feed sends for this batch.
    Column("payload", LargeBinary, nullable=False),
)
Index("ix_events_project", events.c.project_id, events.c.id)
