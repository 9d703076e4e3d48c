"""Opening a store creates its tables once; the code's schema revision is Alembic's head."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

import heron.store
from heron import records as r
from heron.store import open_store
from heron.store.schema import SCHEMA_REVISION, metadata

from ._support import batch, query, row

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


def test_opening_a_fresh_file_creates_the_tables_at_the_head_revision(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "nested"

    store = open_store(folder)
    store.close()

    db = folder / "heron.db"
    assert db.is_file()
    names = {
        n
        for (n,) in query(db, "SELECT name FROM sqlite_master WHERE type='table'")
        if not n.startswith("sqlite_")
    }
    assert names == set(metadata.tables) | {"alembic_version"}
    assert names >= TABLES
    assert query(db, "SELECT version_num FROM alembic_version") == [(SCHEMA_REVISION,)]


def test_a_sqlite_url_opens_the_named_file(tmp_path: Path) -> None:
    db = tmp_path / "custom.db"

    store = open_store(f"sqlite:///{db}")
    store.write(batch("run1", 1, r.RunStart(name="by-url")))
    store.close()

    assert query(db, "SELECT name FROM runs") == [("by-url",)]


def test_opening_a_migrated_store_again_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_store(tmp_path)
    first.write(batch("run1", 1, r.RunStart(name="kept"), row(0, loss=0.25)))
    first.close()
    import alembic.command

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a store already at head must not run migrations")

    monkeypatch.setattr(alembic.command, "upgrade", refuse)

    second = open_store(tmp_path)
    info = second.get_run("proj", "run1")
    values = second.read_series(info.pk, "loss").values.tolist()
    second.close()

    assert info.name == "kept"
    assert values == [0.25]
    db = tmp_path / "heron.db"
    assert query(db, "SELECT version_num FROM alembic_version") == [(SCHEMA_REVISION,)]


def test_an_unknown_store_url_is_refused_with_the_accepted_forms(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unsupported store URL 'mysql://x'.*sqlite:///"):
        open_store("mysql://x", media_root=tmp_path)


def test_an_unknown_store_url_without_media_folder_names_the_url() -> None:
    with pytest.raises(ValueError, match=r"unsupported store URL 'mysql://x'"):
        open_store("mysql://x")
