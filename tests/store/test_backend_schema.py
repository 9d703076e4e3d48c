"""Opening an empty database of either backend creates the tables at the head revision once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from heron import records as r
from heron.store import open_store
from heron.store.engine import make_engine
from heron.store.schema import SCHEMA_REVISION, metadata

from ._support import batch, row


def test_an_empty_database_is_migrated_to_head_and_reopened_without_migrating(
    empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_store(empty_url, media_root=tmp_path / "media")
    first.write(batch("run1", 1, r.RunStart(name="kept"), row(0, loss=0.25)))
    first.close()
    import alembic.command

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a store already at head must not run migrations")

    monkeypatch.setattr(alembic.command, "upgrade", refuse)
    second = open_store(empty_url, media_root=tmp_path / "media")
    info = second.get_run("proj", "run1")
    assert second.read_series(info.pk, "loss").values.tolist() == [0.25]
    second.close()

    engine = make_engine(empty_url)
    try:
        names = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    finally:
        engine.dispose()
    assert names == set(metadata.tables) | {"alembic_version"}
    assert version == [(SCHEMA_REVISION,)]
