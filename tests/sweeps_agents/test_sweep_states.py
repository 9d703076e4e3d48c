"""``heron sweep --pause|--resume|--stop|--cancel ID`` against running ``heron agent``s."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from heron.store import SqlStore
from heron.sweeps.controller import SweepController
from tests.sweeps_agents.conftest import (
    create_sweep,
    heron,
    start_heron,
    sweep_runs,
    wait_for,
    write_program,
)

SLOW = """
import argparse, time
import heron

parser = argparse.ArgumentParser()
parser.add_argument("--i", type=int)
parser.add_argument("--seconds", type=float)
args = parser.parse_args()
heron.init()
deadline = time.monotonic() + args.seconds
while time.monotonic() < deadline:
    heron.log({"loss": 1.0})
    time.sleep(0.05)
"""


def sweep(seconds: float, points: int = 4) -> dict[str, Any]:
    return {"method": "grid", "program": "slow.py",
            "parameters": {"i": {"values": list(range(points))}, "seconds": {"value": seconds}}}


def states(store: SqlStore, sweep_id: str) -> list[str]:
    return sorted(run.state for run in sweep_runs(store, sweep_id))


def test_paused_sweep_hands_out_nothing_until_resumed(workdir: Path, store: SqlStore) -> None:
    write_program(workdir, SLOW, "slow.py")
    sweep_id = create_sweep(workdir, sweep(0.0))
    paused = heron("sweep", "--pause", sweep_id)
    assert paused.returncode == 0 and "is now PAUSED" in paused.stdout

    agent = start_heron("agent", sweep_id, cwd=workdir)
    try:
        wait_for(lambda: "is paused; waiting for it to resume" in agent.output,
                 what="the agent to see the pause")
        time.sleep(1.0)
        assert agent.alive() and sweep_runs(store, sweep_id) == []

        assert "is now RUNNING" in heron("sweep", "--resume", sweep_id).stdout
        assert agent.wait() == 0, agent.output
    finally:
        agent.kill()
    assert states(store, sweep_id) == ["finished"] * 4
    assert SweepController(store).get(sweep_id).state == "FINISHED"


def test_stop_lets_the_running_run_finish_and_hands_out_no_more(workdir: Path,
                                                                 store: SqlStore) -> None:
    write_program(workdir, SLOW, "slow.py")
    # The run lasts long enough for `heron sweep --stop` to start and act on a loaded machine.
    sweep_id = create_sweep(workdir, sweep(4.0))
    agent = start_heron("agent", sweep_id, cwd=workdir)
    try:
        wait_for(lambda: states(store, sweep_id) == ["running"], what="the first run to start")

        assert "is now FINISHED" in heron("sweep", "--stop", sweep_id).stdout
        assert agent.wait() == 0, agent.output
    finally:
        agent.kill()
    (run,) = sweep_runs(store, sweep_id)
    assert run.state == "finished" and run.ended_at is not None
    assert run.ended_at - run.created_at >= 4.0
    assert f"sweep {sweep_id} is finished; agent stops" in agent.output
    late = heron("agent", sweep_id, cwd=workdir)
    assert late.returncode == 0 and "ran 0 run(s)" in late.stderr


def test_cancel_kills_the_running_runs(workdir: Path, store: SqlStore) -> None:
    write_program(workdir, SLOW, "slow.py")
    sweep_id = create_sweep(workdir, sweep(30.0))
    agents = [start_heron("agent", sweep_id, cwd=workdir) for _ in range(2)]
    try:
        wait_for(lambda: states(store, sweep_id) == ["running", "running"],
                 what="two runs to start")
        started = time.monotonic()

        assert "is now CANCELED" in heron("sweep", "--cancel", sweep_id).stdout
        for agent in agents:
            assert agent.wait() == 0, agent.output
    finally:
        for agent in agents:
            agent.kill()
    assert time.monotonic() - started < 10
    assert states(store, sweep_id) == ["killed", "killed"]
    for agent in agents:
        assert f"sweep {sweep_id} is canceled; agent stops" in agent.output
    assert heron("sweep", "--resume", sweep_id).returncode == 1  # a cancelled sweep stays so
