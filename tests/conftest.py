"""Shared fixtures: every test gets its own store folder and leaves no run open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def heron_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private HERON_DIR; quiet runs with no system sampler or console tee by default."""
    root = tmp_path / "heron-store"
    monkeypatch.setenv("HERON_DIR", str(root))
    monkeypatch.setenv("HERON_CONFIG_DIR", str(tmp_path / "heron-config"))
    monkeypatch.setenv("HERON_SYSTEM_SAMPLE_SECONDS", "0")
    monkeypatch.setenv("HERON_CONSOLE", "off")
    monkeypatch.setenv("HERON_SILENT", "1")
    for name in ("HERON_PROJECT", "HERON_MODE", "HERON_HOST", "WANDB_PROJECT", "WANDB_MODE"):
        monkeypatch.delenv(name, raising=False)
    yield root
    import heron
    from heron.sdk import registry

    for run in registry.live_runs():
        run.finish(quiet=True)
    assert heron.run is None
