"""Fixtures for the command-line tests: a private store, runs made by the SDK, and ``heron``
run as a real subprocess (or in-process with click's runner)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import heron

HERON = Path(sys.executable).parent / "heron"
"""The ``heron`` console script installed next to this Python."""


@pytest.fixture(autouse=True)
def store_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HERON_DIR; wide, plain terminal output so tables are not cut."""
    root = tmp_path / "heron"
    monkeypatch.setenv("HERON_DIR", str(root))
    monkeypatch.setenv("HERON_SILENT", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("HERON_PROJECT", "HERON_ENTITY", "HERON_MODE", "HERON_HOST", "WANDB_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture
def log_run() -> Callable[..., str]:
    """Run a tiny training script through ``heron.init/log/finish``; returns the run id."""

    def run(
        project: str,
        *,
        rows: Iterable[dict[str, Any]] = (),
        exit_code: int | None = None,
        **init: Any,
    ) -> str:
        active = heron.init(
            project=project, settings=heron.Settings(system_sample_seconds=0, console="off"), **init
        )
        for row in rows:
            heron.log(row)
        heron.finish(exit_code=exit_code)
        return active.id

    return run


@pytest.fixture
def heron_cmd(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``heron`` script in a subprocess, in ``tmp_path``."""
    assert HERON.is_file(), f"the heron console script is not installed at {HERON}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(HERON), *args],
            cwd=tmp_path,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def invoke() -> Callable[..., Result]:
    """Run ``heron ARGS`` in-process with click's test runner."""
    from heron.cli import cli

    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run
