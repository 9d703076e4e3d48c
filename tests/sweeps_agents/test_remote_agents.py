"""Agents that reach the store through a real ``heron server`` (HERON_HOST, HERON_API_KEY):
the same guarantees as on a local store, and nothing written locally."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from heron.store import open_store
from heron.sweeps.controller import SweepController
from tests.server.conftest import Server
from tests.sweeps_agents.conftest import (
    POLL,
    ROOT,
    agent_env,
    assert_grid_ran_once,
    create_sweep,
    heron,
    start_heron,
    stop_all,
    sweep_runs,
    train_sweep,
    wait_for,
)
from tests.sweeps_agents.programs import function_agent


def test_remote_agents_share_one_grid(workdir: Path, server: Server, heron_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**server.env(), "HERON_AGENT_POLL_SECONDS": POLL,
                        "PYTHONPATH": str(ROOT)}.items():
        monkeypatch.setenv(name, value)
    env = agent_env()
    config = train_sweep(workdir)
    sweep_id = create_sweep(workdir, config, env=env)
    assert heron("sweep", "--pause", sweep_id, env=env).returncode == 0
    spawn = multiprocessing.get_context("spawn")
    ready = workdir / "ready"
    proc = spawn.Process(target=function_agent, args=(sweep_id, str(ready)))
    clis = [start_heron("agent", sweep_id, cwd=workdir, env=env) for _ in range(3)]
    try:
        proc.start()
        wait_for(lambda: all("is paused; waiting" in cli.output for cli in clis)
                 and ready.exists(), what="the agents to start")
        time.sleep(0.5)
        resumed = heron("sweep", "--resume", sweep_id, env=env)
        assert "is now RUNNING" in resumed.stdout, resumed.stderr
        codes = [cli.wait(timeout=120) for cli in clis]
        proc.join(timeout=120)
    finally:
        stop_all(clis)
        if proc.is_alive():
            proc.kill()
    assert proc.exitcode == 0
    for code, cli in zip(codes, clis):
        assert code == 0, cli.output

    server_store = open_store(server.db)
    assert_grid_ran_once(server_store, sweep_id, config)
    described = SweepController(server_store).describe(sweep_id)
    assert described["state"] == "FINISHED"
    assert len({r["agent"] for r in described["runs"]}) >= 3, described["runs"]
    # Everything went through the server: the local store holds no run of the sweep.
    assert not sweep_runs(open_store(f"sqlite:///{heron_dir / 'heron.db'}"), sweep_id)


def test_remote_agent_without_a_key_is_refused(workdir: Path, server: Server) -> None:
    env = agent_env(**server.env())
    sweep_id = create_sweep(workdir, train_sweep(workdir), env=env)

    refused = heron("agent", sweep_id, env={**env, "HERON_API_KEY": "hk-wrong"}, cwd=workdir)

    assert refused.returncode == 1
    assert server.url in refused.stderr
    assert not sweep_runs(open_store(server.db), sweep_id)
