"""Opening a store creates its tables once; the code's schema revision is Alembic's head."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

import heron.store
from heron import records as r
from heron.errors import StoreError, ValueRejected
from heron.store import SqlStore, Store, open_store
from heron.store.locks import EVENTS_LOCK, FIRST_KEY_LOCK, MIGRATION_LOCK
from heron.store.schema import SCHEMA_REVISION, metadata

from ._support import batch, query

TABLES = {
    "projects",
    "runs",
    "history_chunks",
    "history_objects",
    "console_lines",
    "run_files",
    "alerts",
}
"""The tables every store has had since the first revision (later revisions may add more)."""


def _head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(Path(heron.store.__file__).parent / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"the migrations must have one head, found {heads}"
    return heads[0]


def test_schema_revision_is_the_alembic_head() -> None:
    assert _head_revision() == SCHEMA_REVISION


def test_the_schema_module_defines_the_tables_the_store_uses() -> None:
    assert set(metadata.tables) >= TABLES


def test_a_plain_folder_path_opens_heron_db_inside_it(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "nested"

    store = open_store(folder)
    store.write(batch("run1", 1, r.RunStart(name="in-folder")))
    store.close()

    assert query(folder / "heron.db", "SELECT name FROM runs") == [("in-folder",)]


def test_a_sqlite_url_opens_the_named_file(tmp_path: Path) -> None:
    db = tmp_path / "custom.db"

    store = open_store(f"sqlite:///{db}")
    store.write(batch("run1", 1, r.RunStart(name="by-url")))
    store.close()

    assert query(db, "SELECT name FROM runs") == [("by-url",)]


def test_an_unknown_store_url_is_refused_with_the_accepted_forms(tmp_path: Path) -> None:
    with pytest.raises(ValueRejected, match=r"unsupported store URL 'mysql://x'.*sqlite:///"):
        open_store("mysql://x", media_root=tmp_path)


def test_an_unknown_store_url_without_media_folder_names_the_url() -> None:
    with pytest.raises(ValueRejected, match=r"unsupported store URL 'mysql://x'"):
        open_store("mysql://x")


def test_the_sql_store_meets_the_store_contract(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        assert isinstance(store, SqlStore) and isinstance(store, Store)
    finally:
        store.close()


def test_each_advisory_lock_serves_one_purpose() -> None:
    assert len({MIGRATION_LOCK, EVENTS_LOCK, FIRST_KEY_LOCK}) == 3


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "heron.db").write_bytes(b"not a database, " * 100)

    with pytest.raises(StoreError, match="cannot open the store"):
        open_store(tmp_path)
