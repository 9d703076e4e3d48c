"""Fixtures for the store tests: a fresh SQLite store in a private folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from heron.store import SqlStore, open_store


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_dir: Path) -> Iterator[SqlStore]:
    """A fresh store at ``store_dir/heron.db``, migrated on open."""
    opened = open_store(store_dir)
    yield opened
    opened.close()


@pytest.fixture
def db_file(store: SqlStore, store_dir: Path) -> Path:
    """The SQLite file behind ``store`` (to look at its tables directly)."""
    return store_dir / "heron.db"
