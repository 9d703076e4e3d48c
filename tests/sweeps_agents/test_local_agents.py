"""Agents as threads, processes and CLI subprocesses on one SQLite store share out a grid: every
point runs exactly once, in the sweep's project, with its parameters merged and locked."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.store import SqlStore
from heron.sweeps.agent import Agent
from heron.sweeps.controller import SweepController
from tests.sweeps_agents.conftest import (
    GRID16,
    POLL,
    ROOT,
    assert_grid_ran_once,
    start_heron,
    stop_all,
    train_sweep,
    wait_for,
)
from tests.sweeps_agents.programs import function_agent, train

SMALL_GRID: dict[str, Any] = {**GRID16, "parameters": {"a": {"values": [1, 2]},
                                                       "b": {"values": ["w", "x"]}}}


def test_function_agent_hands_each_run_its_parameters(workdir: Path, store: SqlStore) -> None:
    config = train_sweep(workdir, SMALL_GRID)
    sweep_id = heron.sweep(config, project="sweepproj")

    heron.agent(sweep_id, function=train)

    runs = assert_grid_ran_once(store, sweep_id, config)
    for run in runs:
        # The sweep's values win over init(config=...) and config-defaults.yaml; the later
        # config.update(a=999) was refused with a warning.
        assert run.config["a"] in (1, 2) and run.config["b"] in ("w", "x")
        assert "'a' was locked by 'sweep'" in run.summary["warned"]
    heron.agent(sweep_id, function=train)  # the sweep is done: nothing more to run
    assert len(store.list_runs("sweepproj")) == 4


def test_function_agent_count(workdir: Path, store: SqlStore) -> None:
    sweep_id = heron.sweep(train_sweep(workdir, SMALL_GRID), project="sweepproj")

    heron.agent(sweep_id, function=train, count=3)

    assert len(store.list_runs("sweepproj")) == 3
    with pytest.raises(heron.Error, match="count=0"):
        heron.agent(sweep_id, function=train, count=0)


def test_threads_processes_and_cli_agents_share_one_grid(
        workdir: Path, store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_AGENT_POLL_SECONDS", POLL)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    config = train_sweep(workdir)
    sweep_id = heron.sweep(config, project="sweepproj")
    controller = SweepController(store)
    controller.set_state(sweep_id, "pause")  # so that every agent is waiting at the start
    errors: list[BaseException] = []

    def in_thread(run: Any) -> None:
        try:
            run()
        except BaseException as exc:
            errors.append(exc)

    # In this process: one function agent (the process's only one: it owns heron.run) and two
    # command agents, in threads; two processes running heron.agent(function=...); two CLIs.
    threads = [threading.Thread(target=in_thread,
                                args=(lambda: heron.agent(sweep_id, function=train),))]
    threads += [threading.Thread(target=in_thread, args=(Agent(sweep_id).run,))
                for _ in range(2)]
    spawn = multiprocessing.get_context("spawn")
    ready = [workdir / f"ready-{i}" for i in range(2)]
    procs = [spawn.Process(target=function_agent, args=(sweep_id, str(path))) for path in ready]
    clis = [start_heron("agent", sweep_id, cwd=workdir) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for proc in procs:
            proc.start()
        wait_for(lambda: all("is paused; waiting" in cli.output for cli in clis)
                 and all(path.exists() for path in ready), what="the agents to start")
        time.sleep(0.5)
        controller.set_state(sweep_id, "resume")
        for proc in procs:
            proc.join(timeout=120)
            assert proc.exitcode == 0
        for thread in threads:
            thread.join(timeout=120)
        codes = [cli.wait(timeout=120) for cli in clis]
    finally:
        stop_all(clis)
        for proc in procs:
            if proc.is_alive():
                proc.kill()
    assert not errors, errors
    for code, cli in zip(codes, clis):
        assert code == 0, cli.output
        assert f"sweep {sweep_id} is finished; agent stops" in cli.output

    assert_grid_ran_once(store, sweep_id, config)
    described = controller.describe(sweep_id)
    assert described["state"] == "FINISHED"
    agents = {r["agent"] for r in described["runs"]}
    print(sorted(r["agent"] for r in described["runs"]))
    assert len(agents) >= 5, agents  # the work was shared out
