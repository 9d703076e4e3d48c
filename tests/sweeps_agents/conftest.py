"""Helpers for agent tests: real stores, real ``heron`` subprocesses, sweep files, waiting."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from heron.store import RunInfo, SqlStore, open_store
from heron.sweeps import grid_points, validate
from tests.server.conftest import Server, server, server_factory  # noqa: F401  (fixtures)
from tests.sweeps_agents.programs import TRAIN_SCRIPT

ROOT = Path(__file__).resolve().parents[2]
HERON = str(Path(sys.executable).parent / "heron")
POLL = "0.2"
GRACE = "2"

GRID16: dict[str, Any] = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"a": {"values": [1, 2, 3, 4]}, "b": {"values": ["w", "x", "y", "z"]}},
}
"""A 16-point grid: a in 1..4 times b in w..z."""


def points_of(config: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(p[k] for k in sorted(p)) for p in grid_points(validate(config))]


def agent_env(**extra: str) -> dict[str, str]:
    """The environment for ``heron`` subprocesses: this test's HERON_DIR, fast polling, and
    the agent's informational lines on (the tests read them)."""
    return {**os.environ, "HERON_AGENT_POLL_SECONDS": POLL, "HERON_AGENT_KILL_GRACE": GRACE,
            "PYTHONPATH": str(ROOT), "HERON_SILENT": "0", **extra}


def heron(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
          timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the ``heron`` CLI to completion."""
    return subprocess.run([HERON, *args], cwd=cwd, env=env or agent_env(), text=True,
                          capture_output=True, timeout=timeout, check=False)


class Background:
    """A ``heron`` command running in the background; stdout and stderr go to ``log``."""

    def __init__(self, args: list[str], log: Path, cwd: Path | None,
                 env: dict[str, str] | None) -> None:
        self.log = log
        with log.open("w") as handle:
            self.popen = subprocess.Popen([HERON, *args], cwd=cwd, env=env or agent_env(),
                                          stdout=handle, stderr=subprocess.STDOUT)

    @property
    def output(self) -> str:
        return self.log.read_text()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait(self, timeout: float = 60) -> int:
        """The exit status; fails the test when the command runs longer than ``timeout``."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"{self.popen.args!r} ran over {timeout} s:\n{self.output}"
                                 ) from None

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


_started = 0


def start_heron(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Background:
    """Start ``heron ARGS`` (``heron agent ...``) in ``cwd``; its output goes to a log there."""
    global _started
    _started += 1
    return Background(list(args), cwd / f"heron-{_started}.log", cwd, env)


def create_sweep(folder: Path, config: dict[str, Any], project: str = "sweepproj",
                 env: dict[str, str] | None = None) -> str:
    """``heron sweep --project P sweep.yaml`` as a user types it; the id it prints."""
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(config))
    done = heron("sweep", "--project", project, str(path), cwd=folder, env=env)
    assert done.returncode == 0, done.stderr
    assert "heron agent" in done.stderr
    return done.stdout.strip().splitlines()[-1]


def write_program(folder: Path, source: str, name: str = "train.py") -> str:
    (folder / name).write_text(source)
    return name


def train_sweep(folder: Path, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """``config`` (default the 16-point grid) whose program runs ``programs.train``, with a
    config-defaults.yaml beside it."""
    (folder / "config-defaults.yaml").write_text(
        "only_in_defaults:\n  desc: W&B's form\n  value: 7\nfrom_init: 0\nb: from-the-file\n")
    return {**(config or GRID16), "program": write_program(folder, TRAIN_SCRIPT)}


def wait_for(predicate: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def sweep_runs(store: SqlStore, sweep_id: str) -> list[RunInfo]:
    return [r for r in store.list_runs() if r.sweep_id == sweep_id]


def assert_grid_ran_once(store: SqlStore, sweep_id: str, config: dict[str, Any],
                         project: str = "sweepproj", trained: bool = True) -> list[RunInfo]:
    """Every point of the grid was run exactly once, finished, in the sweep's project, with
    the parameters in its config (and, for ``programs.train``, merged and locked)."""
    runs = sweep_runs(store, sweep_id)
    names = sorted(config["parameters"])
    seen = sorted(tuple(r.config[n] for n in names) for r in runs)
    assert seen == sorted(points_of(config)), f"duplicates or gaps: {seen}"
    for run in runs:
        assert run.state == "finished", (run.run_id, run.state, run.traceback)
        assert run.project == project
        assert run.sweep_id == sweep_id
        assert run.run_id != "my-own-id"  # the agent's reservation, not init(id=...)
        if trained:
            assert run.config["from_init"] == 1
            assert run.config["only_in_defaults"] == 7
            assert "locked" in run.summary["warned"]
            assert run.summary["loss"] == run.config["a"] / 3
    assert not [r for r in store.list_runs("not-the-sweeps-project")]
    return runs


@pytest.fixture
def store(heron_dir: Path) -> SqlStore:
    """The local store every agent of the test shares (created on first open)."""
    return open_store(f"sqlite:///{heron_dir / 'heron.db'}")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder for sweep files and programs; the test (and its agents) run in it."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    yield folder


def stop_all(procs: Iterable[Background]) -> None:
    for proc in procs:
        proc.kill()
