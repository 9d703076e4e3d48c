"""Fixtures for the public-API tests: a private store, filled through the real SDK."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

import heron


@pytest.fixture(autouse=True)
def store_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test reads and writes its own HERON_DIR; runs are quiet and sample no system data."""
    root = tmp_path / "heron"
    monkeypatch.setenv("HERON_DIR", str(root))
    monkeypatch.setenv("HERON_SILENT", "1")
    for name in (
        "HERON_PROJECT",
        "HERON_ENTITY",
        "HERON_MODE",
        "HERON_HOST",
        "WANDB_PROJECT",
        "WANDB_ENTITY",
        "WANDB_MODE",
    ):
        monkeypatch.delenv(name, raising=False)
    return root


QUIET = {"system_sample_seconds": 0, "console": "off"}

LogRun = Callable[..., str]


@pytest.fixture
def log_run() -> LogRun:
    """Run a tiny training script through ``heron.init/log/finish``; returns the run id."""

    def run(
        project: str = "proj",
        *,
        rows: Iterable[dict[str, Any]] = (),
        exit_code: int | None = None,
        settings: dict[str, Any] | None = None,
        **init: Any,
    ) -> str:
        active = heron.init(
            project=project, settings=heron.Settings(**{**QUIET, **(settings or {})}), **init
        )
        for row in rows:
            heron.log(row)
        heron.finish(exit_code=exit_code)
        return active.id

    return run
