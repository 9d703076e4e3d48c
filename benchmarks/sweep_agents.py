"""Parallel sweep agents on one store: no point handed out twice, none missed, and how fast.

1. Eight ``heron agent`` processes (each run a real child process logging a metric) share a
   16-point grid on one SQLite store. They all wait on a paused sweep, then it is resumed;
   prints the 16 points with the run and agent that got each, duplicates, points missed, and
   the wall time from resume to the last agent's exit.
2. Reservations per second: eight processes each running ``heron.agent(function=...)`` with an
   empty-bodied function on a random sweep (each reservation is one store transaction, then the
   agent records the run's end); also one agent alone, for comparison.

    python benchmarks/sweep_agents.py            # 8 agents, 40 reservations each
    python benchmarks/sweep_agents.py --quick    # 10 reservations each
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from heron.store import open_store
from heron.sweeps import grid_points, validate
from heron.sweeps.controller import SweepController

AGENTS = 8
HERON = [sys.executable, "-c", "from heron.cli import main; main()"]
GRID: dict[str, Any] = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "program": "train.py",
    "parameters": {"lr": {"values": [0.1, 0.01, 0.001, 0.0001]},
                   "layers": {"values": [1, 2, 3, 4]}},
}
TRAIN = """
import argparse, heron
parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float)
parser.add_argument("--layers", type=int)
args = parser.parse_args()
heron.init()
for step in range(20):
    heron.log({"loss": args.lr * args.layers / (step + 1)})
"""
EMPTY_AGENT = """
import sys, heron
def train():
    pass
heron.agent(sys.argv[1], function=train, count=int(sys.argv[2]))
"""


def environment(root: Path) -> dict[str, str]:
    return {**os.environ, "HERON_DIR": str(root / "store"), "HERON_SILENT": "1",
            "HERON_CONSOLE": "off", "HERON_SYSTEM_SAMPLE_SECONDS": "0",
            "HERON_AGENT_POLL_SECONDS": "0.2"}


def grid_benchmark(root: Path) -> bool:
    env = environment(root)
    (root / "train.py").write_text(TRAIN)
    controller = SweepController(open_store(root / "store"))
    sweep_id = controller.create(GRID, "bench")
    controller.set_state(sweep_id, "pause")
    logs = [(root / f"agent-{i}.log").open("w") for i in range(AGENTS)]
    agents = [subprocess.Popen([*HERON, "agent", sweep_id], cwd=root, env=env, stdout=log,
                               stderr=subprocess.STDOUT) for log in logs]
    deadline = time.monotonic() + 60
    while not all("paused; waiting" in (root / f"agent-{i}.log").read_text()
                  for i in range(AGENTS)):
        if time.monotonic() > deadline:
            raise SystemExit("the agents did not start")
        time.sleep(0.05)
    started = time.perf_counter()
    controller.set_state(sweep_id, "resume")
    codes = [agent.wait() for agent in agents]
    wall = time.perf_counter() - started
    for log in logs:
        log.close()

    described = controller.describe(sweep_id)
    expected = [(p["layers"], p["lr"]) for p in grid_points(validate(GRID))]
    got = collections.Counter((r["params"]["layers"], r["params"]["lr"])
                              for r in described["runs"])
    print(f"1. {AGENTS} `heron agent` processes on a {len(expected)}-point grid "
          f"(one SQLite store)")
    by_point = {(r["params"]["layers"], r["params"]["lr"]): r for r in described["runs"]}
    for point in sorted(expected):
        run = by_point.get(point)
        where = f"run {run['id']} {run['state']:<8} agent {run['agent']}" if run else "MISSED"
        print(f"   layers={point[0]} lr={point[1]:<7} {where}")
    duplicates = sum(n - 1 for n in got.values() if n > 1)
    missed = [p for p in expected if p not in got]
    finished = sum(r["state"] == "finished" for r in described["runs"])
    agents_used = len({r["agent"] for r in described["runs"]})
    print(f"   distinct points {len(got)} / {len(expected)}, duplicates {duplicates}, "
          f"missed {len(missed)}, finished {finished}, agents that ran work {agents_used}, "
          f"agent exit codes {sorted(set(codes))}")
    print(f"   wall time (resume -> last agent exits): {wall:.2f} s")
    return len(got) == len(expected) and not duplicates and not missed and codes == [0] * AGENTS


def reservation_rate(root: Path, agents: int, each: int) -> float:
    env = environment(root)
    controller = SweepController(open_store(root / "store"))
    sweep_id = controller.create({"method": "random", "parameters": {
        "x": {"min": 0.0, "max": 1.0}, "n": {"values": [1, 2, 3]}}}, "bench-rate")
    controller.set_state(sweep_id, "pause")
    code = textwrap.dedent(EMPTY_AGENT)
    procs = [subprocess.Popen([sys.executable, "-c", code, sweep_id, str(each)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for _ in range(agents)]
    time.sleep(1.5 + 0.2 * agents)  # every agent started and waiting on the pause
    started = time.perf_counter()
    controller.set_state(sweep_id, "resume")
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"agent failed:\n{err}")
    wall = time.perf_counter() - started
    runs = controller.describe(sweep_id)["runs"]
    assert len(runs) == agents * each, len(runs)
    assert all(r["state"] == "finished" for r in runs)
    return len(runs) / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 reservations per agent")
    args = parser.parse_args()
    each = 10 if args.quick else 40
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        ok = grid_benchmark(Path(tmp))
    print(f"2. reservations per second, empty-bodied function, {each} runs per agent")
    for agents in (1, AGENTS):
        with tempfile.TemporaryDirectory() as tmp:
            rate = reservation_rate(Path(tmp), agents, each)
        print(f"   {agents} agent process(es): {rate:8.1f} reservations/s "
              f"({agents * each} runs)")
    if not ok:
        raise SystemExit("FAILED: a grid point was handed out twice or missed")


if __name__ == "__main__":
    main()
