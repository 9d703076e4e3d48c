"""``heron import ...`` run in-process with click's runner, against the test's own store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import heron


@pytest.fixture
def heron_import() -> Callable[..., Result]:
    """``heron import ARGS``; fails the test when the command fails."""
    from heron.cli import cli

    def run(*args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(cli, ["import", *args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def stored_runs(project: str) -> list[Any]:
    """The runs of ``project`` in the test's store, by name."""
    return sorted(heron.Api().runs(project), key=lambda run: run.name)


def snapshot(project: str) -> dict[str, Any]:
    """Everything an import writes for ``project``: to compare a second import with."""
    out = {}
    for run in stored_runs(project):
        out[run.id] = {
            "history": list(run.scan_history()), "summary": dict(run.summary),
            "config": dict(run.config), "files": sorted(f.name for f in run.files()),
            "rows": run.lastHistoryStep,
        }
    return out


def store_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "media").rglob("*") if p.is_file())
