"""Stop decisions reach a real running run: hyperband's SIGTERM to a CLI agent's child (and
SIGKILL when the child ignores it), and StopRun raised in an in-process agent's run thread."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import heron
from heron.store import SqlStore
from heron.sweeps.controller import SweepController
from tests.sweeps_agents.conftest import (
    POLL,
    agent_env,
    create_sweep,
    sweep_runs,
    wait_for,
    write_program,
)
from tests.sweeps_agents.conftest import heron as heron_cli

STEPS = 300
"""Steps a bad run would log (0.05 s each) if nobody stopped it."""
GOOD_STEPS = 60


def hyperband_sweep(kinds: list[str], program: str | None = None) -> dict[str, Any]:
    """Runs in the order of ``kinds``: good ones log loss 1 sixty times quickly, bad ones loss 10
    slowly. Hyperband (min_iter 2, eta 3: bands 2, 6, 18, 54) stops a running bad run at its
    next check: in every band it reaches, a good run's value sets the threshold."""
    config: dict[str, Any] = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"kind": {"values": kinds}},
        "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 3},
    }
    if program is not None:
        config["program"] = program
    return config


PROGRAM = f"""
GOOD_STEPS = {GOOD_STEPS}
import argparse, signal, time
import heron

parser = argparse.ArgumentParser()
parser.add_argument("--kind")
kind = parser.parse_args().kind
if kind == "bad_ignores_sigterm":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
heron.init()
good = kind.startswith("good")
for step in range(GOOD_STEPS if good else {STEPS}):
    heron.log({{"loss": 1.0 if good else 10.0}})
    time.sleep(0.001 if good else 0.05)
"""


def by_kind(store: SqlStore, sweep_id: str) -> dict[str, Any]:
    return {run.config["kind"]: run for run in sweep_runs(store, sweep_id)}


def test_hyperband_sigterm_kills_the_bad_run_of_a_cli_agent(workdir: Path,
                                                             store: SqlStore) -> None:
    program = write_program(workdir, PROGRAM)
    sweep_id = create_sweep(workdir, hyperband_sweep(["good", "good2", "bad"], program))
    started = time.monotonic()

    done = heron_cli("agent", sweep_id, cwd=workdir, timeout=60)

    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < STEPS * 0.05, done.stderr
    runs = by_kind(store, sweep_id)
    assert runs["good"].state == runs["good2"].state == "finished"
    bad = runs["bad"]
    assert bad.state == "killed"
    # The child's own SIGTERM handler recorded the end: exit status 128 + SIGTERM.
    assert bad.exit_code == 128 + signal.SIGTERM
    assert 2 <= bad.history_rows < STEPS
    assert f"stopping run {bad.run_id} (SIGTERM)" in done.stderr


def test_a_child_that_ignores_sigterm_gets_sigkill(workdir: Path, store: SqlStore) -> None:
    program = write_program(workdir, PROGRAM)
    sweep_id = create_sweep(workdir, hyperband_sweep(["good", "bad_ignores_sigterm"], program))

    done = heron_cli("agent", sweep_id, cwd=workdir, timeout=60)

    assert done.returncode == 0, done.stderr
    bad = by_kind(store, sweep_id)["bad_ignores_sigterm"]
    # It could not record its end; the agent did.
    assert (bad.state, bad.exit_code) == ("killed", -signal.SIGKILL)
    assert bad.history_rows < STEPS
    assert f"run {bad.run_id} did not stop within 2 s; SIGKILL" in done.stderr


def test_in_process_agent_raises_stoprun_in_the_run_thread(
        workdir: Path, store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_AGENT_POLL_SECONDS", POLL)
    sweep_id = heron.sweep(hyperband_sweep(["good", "good2", "bad"]), project="sweepproj")
    completed: list[str] = []

    def train() -> None:
        heron.init()
        kind = heron.config.kind
        good = kind.startswith("good")
        for _ in range(GOOD_STEPS if good else STEPS):
            heron.log({"loss": 1.0 if good else 10.0})
            time.sleep(0.001 if good else 0.05)
        completed.append(kind)

    heron.agent(sweep_id, function=train)

    assert completed == ["good", "good2"]
    runs = by_kind(store, sweep_id)
    assert runs["good"].state == runs["good2"].state == "finished"
    assert runs["bad"].state == "killed"
    assert 2 <= runs["bad"].history_rows < STEPS
    assert SweepController(store).get(sweep_id).state == "FINISHED"


def test_a_user_stop_ends_the_agents_run_and_the_agent_goes_on(
        workdir: Path, store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_AGENT_POLL_SECONDS", POLL)
    grid = {"method": "grid", "parameters": {"kind": {"values": ["long", "short"]}}}
    sweep_id = heron.sweep(grid, project="sweepproj")
    completed: list[str] = []

    def train() -> None:
        heron.init()
        for _ in range(STEPS if heron.config.kind == "long" else 3):
            heron.log({"loss": 1.0})
            time.sleep(0.05)
        completed.append(heron.config.kind)

    def stop_the_long_run() -> None:  # what the dashboard's Stop run does
        def running() -> Any:
            return next((r for r in sweep_runs(store, sweep_id)
                         if r.config.get("kind") == "long" and r.state == "running"), None)
        wait_for(lambda: running() is not None, what="the long run to start")
        heron.Api().run(f"sweepproj/{running().run_id}").stop()

    stopper = threading.Thread(target=stop_the_long_run)
    stopper.start()
    heron.agent(sweep_id, function=train)
    stopper.join()

    assert completed == ["short"]
    runs = by_kind(store, sweep_id)
    assert runs["long"].state == "killed"  # with the code the agent gives its stopped runs
    assert runs["long"].history_rows < STEPS
    assert runs["short"].state == "finished"


SCRIPT_AGENT = f"""
import time
import heron

def train():
    heron.init()
    for _ in range({STEPS}):
        heron.log({{"loss": 1.0}})
        time.sleep(0.05)

heron.agent("{{sweep_id}}", function=train)
"""


def test_sigterm_to_a_script_running_an_in_process_agent_kills_its_run(
        workdir: Path, store: SqlStore) -> None:
    sweep_id = heron.sweep({"method": "grid", "parameters": {"i": {"values": [1, 2]}}},
                           project="sweepproj")
    script = write_program(workdir, SCRIPT_AGENT.replace("{sweep_id}", sweep_id), "agent.py")
    proc = subprocess.Popen([sys.executable, script], cwd=workdir, env=agent_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: [r.state for r in sweep_runs(store, sweep_id)] == ["running"],
                 what="the run to start")

        proc.send_signal(signal.SIGTERM)

        output = proc.communicate(timeout=20)[0]
    finally:
        proc.kill()
    assert proc.returncode != 0
    assert "AgentInterrupted" in output
    (run,) = sweep_runs(store, sweep_id)  # the agent stopped: no second run
    assert run.state == "killed" and run.history_rows < STEPS
