"""``heron agent`` exit statuses that scripts and SLURM arrays rely on: 1 when it gives up on a
failing program, 0 when the sweep is done or ``--count`` runs ran."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from heron.store import SqlStore
from tests.sweeps_agents.conftest import (
    agent_env,
    create_sweep,
    heron,
    start_heron,
    sweep_runs,
    wait_for,
    write_program,
)

GRID10 = {"method": "grid", "parameters": {"i": {"values": list(range(10))}}}


def test_agent_gives_up_after_3_failures_in_its_first_minute(workdir: Path,
                                                              store: SqlStore) -> None:
    # A program that fails before it even calls heron.init().
    program = write_program(workdir, "import sys\nsys.exit(1)\n", "broken.py")
    sweep_id = create_sweep(workdir, {**GRID10, "program": program})

    done = heron("agent", sweep_id, cwd=workdir)

    assert done.returncode == 1
    assert (f"heron: agent gives up on sweep {sweep_id}: 3 runs failed in the agent's first "
            "60 s") in done.stderr
    runs = sweep_runs(store, sweep_id)
    # Each failed; the agent recorded it, as the program never could.
    assert [(r.state, r.exit_code) for r in runs] == [("failed", 1)] * 3


def test_agent_gives_up_after_5_failures_without_success(workdir: Path,
                                                         store: SqlStore) -> None:
    program = write_program(workdir, "import sys, heron\nheron.init()\nsys.exit(3)\n",
                            "broken.py")
    sweep_id = create_sweep(workdir, {**GRID10, "program": program})

    done = heron("agent", sweep_id, cwd=workdir,
                 env=agent_env(HERON_AGENT_DISABLE_FLAPPING="true"))

    assert done.returncode == 1
    assert "5 runs failed and none succeeded" in done.stderr
    assert [(r.state, r.exit_code) for r in sweep_runs(store, sweep_id)] == [("failed", 3)] * 5


def test_a_missing_program_is_a_failed_run_not_a_crash(workdir: Path, store: SqlStore) -> None:
    sweep_id = create_sweep(workdir, {**GRID10, "command": ["no-such-program-xyz", "${args}"]})

    done = heron("agent", sweep_id, cwd=workdir)

    assert done.returncode == 1
    assert "could not start" in done.stderr and "no-such-program-xyz" in done.stderr
    assert "Traceback" not in done.stderr
    assert [r.state for r in sweep_runs(store, sweep_id)] == ["failed"] * 3


def test_count_then_done(workdir: Path, store: SqlStore) -> None:
    program = write_program(workdir, "import heron\nheron.init()\nheron.log({'loss': 1})\n")
    sweep_id = create_sweep(workdir, {"method": "grid", "program": program,
                                      "parameters": {"i": {"values": [1, 2, 3, 4]}}})

    first = heron("agent", "--count", "3", sweep_id, cwd=workdir)
    assert first.returncode == 0, first.stderr
    assert "ran 3 run(s)" in first.stderr
    assert len(sweep_runs(store, sweep_id)) == 3

    rest = heron("agent", "--count", "3", sweep_id, cwd=workdir)
    assert rest.returncode == 0, rest.stderr
    assert "ran 1 run(s)" in rest.stderr and "is finished; agent stops" in rest.stderr
    assert sorted(r.config["i"] for r in sweep_runs(store, sweep_id)) == [1, 2, 3, 4]
    assert {r.state for r in sweep_runs(store, sweep_id)} == {"finished"}

    assert heron("agent", "--count", "0", sweep_id, cwd=workdir).returncode == 2  # usage
    assert heron("agent", "nosuchsweep", cwd=workdir).returncode == 1


def test_sigterm_to_the_agent_stops_its_run_first(workdir: Path, store: SqlStore) -> None:
    program = write_program(workdir, "import time, heron\nheron.init()\n"
                            "for _ in range(600):\n    heron.log({'loss': 1})\n"
                            "    time.sleep(0.05)\n")
    sweep_id = create_sweep(workdir, {**GRID10, "program": program})
    agent = start_heron("agent", sweep_id, cwd=workdir)
    try:
        wait_for(lambda: [r.state for r in sweep_runs(store, sweep_id)] == ["running"],
                 what="the run to start")
        started = time.monotonic()

        agent.popen.send_signal(signal.SIGTERM)  # what SLURM or systemd sends

        assert agent.wait(timeout=20) == 128 + signal.SIGTERM, agent.output
    finally:
        agent.kill()
    assert time.monotonic() - started < 10
    (run,) = sweep_runs(store, sweep_id)
    assert run.state == "killed"  # not left running, orphaned


def test_heron_silent_silences_the_agent_and_its_runs(workdir: Path, store: SqlStore) -> None:
    program = write_program(workdir, "import heron\nheron.init()\nheron.log({'loss': 1})\n")
    sweep_id = create_sweep(workdir, {"method": "grid", "program": program,
                                      "parameters": {"i": {"values": [1, 2]}}})

    done = heron("agent", sweep_id, cwd=workdir, env=agent_env(HERON_SILENT="true"))

    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""
    assert {r.state for r in sweep_runs(store, sweep_id)} == {"finished"}
