"""Opening a SQL database for the store: connection settings and migrations on start."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine

from heron.errors import ValueRejected
from heron.store.locks import MIGRATION_LOCK
from heron.store.schema import SCHEMA_REVISION

READ = {"heron_read": True}
"""Execution options for a read-only connection (SQLite: a deferred, non-locking BEGIN)."""


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    return None


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings the store relies on, schema migrated to head."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        _sqlite_transactions(engine)
    elif url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
        engine = create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=8)
    else:
        raise ValueRejected(f"unsupported store URL {url!r}: use sqlite:///PATH or "
                            "postgresql://...")
    migrate(engine)
    return engine


def _sqlite_transactions(engine: Engine) -> None:
    """Real SQLite transactions: writers take the lock at BEGIN, so they queue instead of failing.

    pysqlite's own transaction handling begins lazily and upgrades read locks to write locks,
    which deadlocks between processes; we emit BEGIN ourselves (SQLAlchemy's documented recipe).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get("heron_read", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # SQLite decides once per connection whether it may write the file: a connection
        # opened while the file or its folder was read-only stays so after the operator fixes
        # it. Dropping such connections lets the next write open a fresh one.
        if "readonly" in str(context.original_exception).lower():
            context.is_disconnect = True


WAL_TRIES = 600
"""How many times (10 ms apart) a new connection tries to switch the file to WAL."""


def _wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``. While another process creates the same new file (a run's
    writer process, and the script reading its artifact back) the switch answers "database
    is locked" at once, without waiting for the busy timeout: try again for a while."""
    import sqlite3

    for attempt in range(WAL_TRIES):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_TRIES - 1:
                raise
            time.sleep(0.01)


def current_revision(conn: Connection) -> str | None:
    # Look before reading: on PostgreSQL a failed SELECT would abort the whole transaction.
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to head; cheap when it already is (Alembic is imported only if needed)."""
    with engine.connect().execution_options(**READ) as conn:
        if current_revision(conn) == SCHEMA_REVISION:
            return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Replicas starting together: one migrates, the others wait and find it done.
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
        revision = current_revision(conn)
        if revision == SCHEMA_REVISION:
            return
        if revision is None and not inspect(conn).get_table_names():
            _create_fresh(conn)
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _create_fresh(conn: Connection) -> None:
    """An empty database: create the current tables and stamp the head revision, which is what
    running every migration would give (Alembic's "create_all, then stamp" recipe), without
    importing Alembic: a new run's first write stays quick."""
    from heron.store import access_tables, artifact_tables, sweep_tables  # noqa: F401
    from heron.store.schema import metadata

    metadata.create_all(conn)
    conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                      "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                 {"v": SCHEMA_REVISION})
