"""Fixtures for the public-API tests: a private store, filled through the real SDK."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import heron
from tests.support.server import create_key, heron_servers


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


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real ``heron server`` on 127.0.0.1; this process logs to it and reads through it.
    Yields the server's database URL."""
    db = f"sqlite:///{tmp_path / 'server' / 'heron.db'}"
    media = tmp_path / "server-media"
    env = {"HERON_CONFIG_DIR": str(tmp_path / "server-config")}
    key = create_key(db, media, env=env)
    with heron_servers(db, media, env=env) as (server,):
        monkeypatch.setenv("HERON_HOST", server.url)
        monkeypatch.setenv("HERON_API_KEY", key)
        yield db
