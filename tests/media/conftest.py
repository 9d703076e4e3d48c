"""Fixtures for the media tests: a real folder-backed writer, and one that counts its calls."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

try:
    import heron.media  # noqa: F401
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from heron.media import DirectoryMediaWriter


class CountingWriter(DirectoryMediaWriter):
    """A ``DirectoryMediaWriter`` that remembers every ``put`` call."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.calls: list[tuple[int, str]] = []

    def put(self, data: bytes, suffix: str) -> str:
        self.calls.append((len(data), suffix))
        return super().put(data, suffix)


@pytest.fixture
def writer(tmp_path: Path) -> CountingWriter:
    return CountingWriter(tmp_path)


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "media").rglob("*") if p.is_file())
