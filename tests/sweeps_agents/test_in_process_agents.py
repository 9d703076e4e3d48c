"""Two in-process agents of different sweeps, in two threads of one process at the same time:
each run gets its own sweep's parameters (from the agent's context, not the environment) and
lands in its own sweep and project."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.store import SqlStore
from tests.sweeps_agents.conftest import POLL, sweep_runs

SWEEP_A: dict[str, Any] = {"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                           "parameters": {"a": {"values": [1, 2]}}}
SWEEP_B: dict[str, Any] = {"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                           "parameters": {"b": {"values": ["x", "y"]}}}


def test_two_function_agents_in_two_threads_keep_their_sweeps_apart(
        workdir: Path, store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_AGENT_POLL_SECONDS", POLL)
    sweep_a = heron.sweep(SWEEP_A, project="proj-a")
    sweep_b = heron.sweep(SWEEP_B, project="proj-b")
    together = threading.Barrier(2, timeout=60)  # each run waits until the other agent's is live
    seen_env: list[str | None] = []
    errors: list[BaseException] = []

    def train() -> None:
        # heron.run is process-wide; with two agents at once, each function uses its own run.
        run = heron.init(project="not-a-sweep", id="my-own-id", config={"mine": 1},
                         reinit="create_new")
        together.wait()
        seen_env.append(os.environ.get("HERON_SWEEP_PARAMS"))
        run.summary["params_seen"] = {k: v for k, v in run.config.items() if k in ("a", "b")}
        run.log({"loss": 1.0})
        together.wait()  # both runs stay open while the other logs
        run.finish()

    def agent(sweep_id: str) -> None:
        try:
            heron.agent(sweep_id, function=train)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=agent, args=(s,)) for s in (sweep_a, sweep_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert seen_env == [None] * 4  # nothing went through os.environ
    for sweep_id, project, key, values in ((sweep_a, "proj-a", "a", [1, 2]),
                                           (sweep_b, "proj-b", "b", ["x", "y"])):
        runs = sweep_runs(store, sweep_id)
        assert sorted(r.config[key] for r in runs) == values
        for run in runs:
            assert run.state == "finished", (run.run_id, run.traceback)
            assert run.project == project and run.run_id != "my-own-id"
            assert run.config == {"mine": 1, key: run.config[key]}  # no other sweep's keys
            assert run.summary["params_seen"] == {key: run.config[key]}
            assert run.summary["loss"] == 1.0
    assert store.list_runs("not-a-sweep") == []
    assert heron.run is None
