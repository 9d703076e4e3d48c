"""The store conformance suite's fixtures: every test that takes ``store`` runs once per backend.

As Optuna's ``StorageTestCase`` does, one suite states what a store must do and runs it against
each implementation: ``BACKENDS`` names them, and ``store_url`` opens a fresh database of each in
turn (a new SQLite file; an emptied PostgreSQL database, skipped where PostgreSQL is not
installed). Tests about one backend only (a SQLite file's name, PostgreSQL replicas) take no
``store`` and live beside it (tests/store/test_store_schema.py, tests/store_pg).

Adding a backend (the remote store, ``heron.store.remote.RemoteStore``, is the next): add its
name to ``BACKENDS``; make ``store_url`` return a URL for it (for the remote store: start
``heron server`` with ``tests.support.server`` on a fresh SQLite database and return its
``http://`` URL) and ``open_again`` build the store from that URL. Tests that take ``sql`` look
behind the store's back at its tables, so they are SQL-only: have ``sql`` skip for a backend
without a database of its own. The remote store implements only ``RunAccess`` today, so tests
of the other methods would skip for it the same way until it grows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from heron.store import SqlStore, open_store
from heron.store.engine import make_engine
from heron.store.schema import metadata
from tests.support.postgres import PostgresServer, postgres_server, postgres_url  # noqa: F401

BACKENDS = ("sqlite", "postgresql")
"""Every backend the conformance suite runs on."""


@pytest.fixture(scope="session")
def pg_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> str:
    """A PostgreSQL database migrated once for the session and emptied before each test
    (faster than a new database each time; the migrations are tested on empty databases)."""
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database("store")
    open_store(url, media_root=tmp_path_factory.mktemp("pg-media")).close()
    return url


def _empty_tables(url: str) -> None:
    """Drop every connection a previous test left behind, then empty the store's tables."""
    import psycopg

    database = url.rsplit("/", 1)[1]
    tables = ", ".join(f'"{name}"' for name in metadata.tables)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of each backend in turn (the test runs once per backend): a new SQLite
    file, or an emptied PostgreSQL database at the schema's head revision."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'heron.db'}"
    url: str = request.getfixturevalue("pg_database")
    _empty_tables(url)
    return url


OpenStore = Callable[[], SqlStore]


@pytest.fixture
def open_again(store_url: str, tmp_path: Path) -> Iterator[OpenStore]:
    """Open (another) store on the test's database; all are closed after the test."""
    opened: list[SqlStore] = []

    def make() -> SqlStore:
        store = open_store(store_url, media_root=tmp_path / "media")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_again: OpenStore) -> SqlStore:
    """A store on a fresh database of the test's backend, migrated on open."""
    return open_again()


Sql = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture
def sql(store_url: str) -> Iterator[Sql]:
    """Run a query straight against the test's database (either backend), to see what the
    store keeps behind its methods."""
    engine = make_engine(store_url)

    def run(statement: str, **params: Any) -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(statement), params)]

    yield run
    engine.dispose()


@pytest.fixture
def empty_url(store_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A database of the test's backend with no tables at all (to test migrations)."""
    if store_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'empty' / 'heron.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database("empty")
    request.addfinalizer(lambda: server.drop_database(url))
    return url
