"""The official wandb client logging to a real ``heron server``, against Heron's own SDK.

Usage: python benchmarks/wandb_client.py [--steps N] [--metrics M] [--clients C]
       [--client-steps N] [--wandb-python PATH] [--quick]

One ``heron server`` (SQLite store in a temporary folder) takes, in this order: a warm-up run
and a 10-step run of each client (the server's CPU for the latter: what any run costs); one
run of ``--steps`` steps x ``--metrics`` floats from Heron's SDK (``heron.init`` with
``HERON_HOST``/``HERON_API_KEY``: the baseline) and the same from the unmodified official
client (``wandb.init`` with ``WANDB_BASE_URL``/``WANDB_API_KEY``); then ``--clients``
processes at once, each its own run of ``--client-steps`` steps, Heron's SDK first and then
the official client. Every client runs the same loop over the same rows.

For each it prints: the server's CPU seconds per 1M points (its process and threads, read with
psutil before the first client starts and after the last run is complete); the time from
``finish()`` returning to the run being ``finished`` in the store with every row present (a
thread polls ``heron.Api()`` on the SQLite file, so the polls cost the server nothing), and
from the last ``log()`` to the same; points per second from the first ``log()`` to the last
run complete; wall time from starting the processes; and the CPU of the clients' process trees.
It also counts the official client's file_stream posts (from its own debug log). No figure is
printed until every step of every run was read back once with the logged values, and the run
is ``finished`` with exit code 0.
Target: each run complete in the store within 2 s of the client's ``finish()`` returning.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from _common import WANDB_ENV, WANDB_VERSION, came_up, row, wandb_python

import heron

HERON_SETTINGS = "system_sample_seconds=0, console='off', silent=True"

CLIENT = """
import json, sys, time
steps, metrics, run_id, project = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [{{f"m{{j}}": (i * 31 + j) * 1e-3 for j in range(metrics)}} for i in range(steps)]
{init}
first = time.time()
for values in rows:
    tracker.log(values)
last = time.time()
print("finishing", flush=True)
tracker.finish()
end = time.time()
print(json.dumps({{"first": first, "last": last, "end": end, "version": tracker.__version__}}),
      flush=True)
"""
INITS = {
    "wandb": "import wandb as tracker\ntracker.init(project=project, id=run_id)",
    "heron": ("import heron as tracker\ntracker.init(project=project, id=run_id, "
              f"settings=tracker.Settings({HERON_SETTINGS}))"),
}
"""What each client runs before the shared loop: ``wandb`` is the official client."""


def expected(steps: int, metric: int) -> np.ndarray:
    """The values the clients log for ``m{metric}``, as the client computes them."""
    return (np.arange(steps, dtype=np.int64) * 31 + metric).astype(np.float64) * 1e-3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A ``heron server`` on a SQLite store under ``root``, with a key for user ``bench``."""

    def __init__(self, root: Path) -> None:
        self.store_dir = root / "store"
        self.store_dir.mkdir()
        db = f"sqlite:///{self.store_dir / 'heron.db'}"
        heron_cli = [sys.executable, "-m", "heron.cli", "server", "--db", db]
        made = subprocess.run([*heron_cli, "keys", "create", "--user", "bench"],
                              capture_output=True, text=True, check=False)
        self.key = made.stdout.strip()
        if made.returncode != 0 or not self.key.startswith("hk-"):
            raise SystemExit(f"heron server keys create failed:\n{made.stderr}")
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = root / "server.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [*heron_cli, "--media", str(root / "media"), "--port", self.url.rsplit(":", 1)[1]],
                stdout=log, stderr=subprocess.STDOUT)
        self.process = psutil.Process(self.proc.pid)
        if not came_up(self.url + "/api/v1/health", self.proc):
            self.stop()
            raise SystemExit(f"heron server did not start:\n{self.log.read_text()}")

    def cpu(self) -> float:
        """CPU seconds of the server process (all its threads) and its reaped children."""
        times = self.process.cpu_times()
        return times.user + times.system + times.children_user + times.children_system

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Poller:
    """A thread that watches runs through ``heron.Api()`` reading the server's SQLite file and
    notes when each is ``finished`` with all its steps stored."""

    def __init__(self, store_dir: Path, steps: int, metrics: int) -> None:
        self.api = heron.Api({"root_dir": str(store_dir)})
        self.api.settings.host = None  # the file itself, even where HERON_HOST is set
        self.steps, self.last_key = steps, f"m{metrics - 1}"
        self.pending: dict[tuple[str, str], None] = {}
        self.complete: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def watch(self, project: str, run_id: str) -> None:
        with self._lock:
            self.pending[(project, run_id)] = None

    def _is_complete(self, project: str, run_id: str) -> bool:
        info = self.api.store.get_run(project, run_id)
        if info is None or info.state != "finished" or info.last_step != self.steps - 1:
            return False
        return len(self.api.store.read_series(info.pk, self.last_key)) == self.steps

    def _poll(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                watched = list(self.pending)
            for project, run_id in watched:
                if self._is_complete(project, run_id):
                    now = time.time()
                    with self._lock:
                        self.complete[(project, run_id)] = now
                        del self.pending[(project, run_id)]
            self._stop.wait(0.01)

    def wait(self, runs: list[tuple[str, str]], timeout: float = 60) -> list[float]:
        """When each of ``runs`` was seen complete; SystemExit if one is not within
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if all(r in self.complete for r in runs):
                    return [self.complete[r] for r in runs]
            time.sleep(0.01)
        missing = [r for r in runs if r not in self.complete]
        raise SystemExit(f"{len(missing)} run(s) not finished with every step in the store "
                         f"{timeout:.0f} s after their client exited: {missing[:3]}")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def verify(api: heron.Api, project: str, run_id: str, steps: int, metrics: int) -> None:
    """SystemExit unless the run is finished (exit code 0) and holds each step of each metric
    exactly once, with the value its client logged."""
    run = api.run(f"{project}/{run_id}")
    if run.state != "finished" or run.exit_code != 0:
        raise SystemExit(f"{project}/{run_id} is {run.state} (exit code {run.exit_code})")
    info = api.store.get_run(project, run_id)
    assert info is not None
    for j in range(metrics):
        series = api.store.read_series(info.pk, f"m{j}")
        if not np.array_equal(series.steps, np.arange(steps)):
            raise SystemExit(f"{project}/{run_id} m{j}: {len(series)} points stored at "
                             f"{np.unique(series.steps).size} distinct steps, {steps} logged")
        if not np.array_equal(series.values.astype(np.float64), expected(steps, j)):
            wrong = int(np.argmax(series.values.astype(np.float64) != expected(steps, j)))
            raise SystemExit(f"{project}/{run_id} m{j} step {wrong}: stored "
                             f"{series.values[wrong]!r}, logged {expected(steps, j)[wrong]!r}")


@dataclass
class Result:
    """One measurement: ``count`` runs of ``steps`` steps x ``metrics`` floats from one client."""

    count: int
    steps: int
    metrics: int
    wall_s: float
    server_cpu_s: float
    client_cpu_s: float
    finish_s: list[float] = field(default_factory=list)
    """Each client's finish() call."""
    finish_to_stored_s: list[float] = field(default_factory=list)
    last_log_to_stored_s: list[float] = field(default_factory=list)
    window_s: float = 0.0
    """First log() of any client to the last run complete in the store."""
    version: str = ""
    posts: list[list[int]] = field(default_factory=list)
    """The official client's file_stream posts: history rows in each, per run (from its log)."""

    @property
    def points(self) -> int:
        return self.count * self.steps * self.metrics


def file_stream_posts(folder: Path, run_id: str) -> list[int]:
    """History rows in each file_stream post of the official client's run, read from its
    ``debug-internal.log`` (wandb 0.31's wording; [] where the log says otherwise)."""
    rows = []
    for log in folder.glob(f"wandb/run-*-{run_id}/logs/debug-internal.log"):
        for line in log.read_text().splitlines():
            if '"filestream: sending request"' in line:
                rows.append(int(json.loads(line).get("history_lines", 0)))
    return rows


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def client_env(server: Server, kind: str, root: Path) -> dict[str, str]:
    """The environment of one kind of client: pointed at ``server``, quiet, nothing else of
    the caller's WANDB_/HERON_ settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WANDB_", "HERON_", "PYTHONPATH"))}
    folder = root / f"{kind}-client"
    folder.mkdir(exist_ok=True)
    if kind == "wandb":
        env.update(WANDB_ENV, WANDB_BASE_URL=server.url, WANDB_API_KEY=server.key,
                   WANDB_DIR=str(folder), WANDB_CONFIG_DIR=str(folder / "config"),
                   WANDB_CACHE_DIR=str(folder / "cache"), WANDB_DATA_DIR=str(folder / "data"))
    else:
        env.update(HERON_HOST=server.url, HERON_API_KEY=server.key, HERON_DIR=str(folder))
    return env


def measure(server: Server, poller: Poller, python: Path, kind: str, count: int, steps: int,
            metrics: int, root: Path, tag: str) -> Result:
    """``count`` clients of ``kind`` at once, each its own run; checked before it returns."""
    project = f"{kind}-{tag}"
    ids = [f"{tag}{i:03d}" for i in range(count)]
    outputs: dict[str, dict[str, Any]] = {}
    exits: list[float] = []
    failures: list[str] = []

    def follow(proc: subprocess.Popen[str], run_id: str, errors: Path) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "finishing":
                poller.watch(project, run_id)
            elif line.startswith("{"):
                outputs[run_id] = json.loads(line)
        if proc.wait() != 0:
            failures.append(f"{kind} client {run_id} exited with {proc.returncode}:\n"
                            f"{errors.read_text()[-3000:]}")
        exits.append(time.time())

    env = client_env(server, kind, root)
    cpu_server, cpu_clients = server.cpu(), children_cpu()
    started = time.time()
    followers = []
    for run_id in ids:
        errors = root / f"{run_id}.err"
        with errors.open("w") as err:
            proc = subprocess.Popen([str(python), "-c", CLIENT.format(init=INITS[kind]),
                                     str(steps), str(metrics), run_id, project],
                                    env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        follower = threading.Thread(target=follow, args=(proc, run_id, errors))
        follower.start()
        followers.append(follower)
    for follower in followers:
        follower.join()
    if failures:
        raise SystemExit(failures[0])
    stored = poller.wait([(project, run_id) for run_id in ids])
    server_cpu, client_cpu = server.cpu() - cpu_server, children_cpu() - cpu_clients
    for run_id in ids:
        verify(poller.api, project, run_id, steps, metrics)
    out = [outputs[run_id] for run_id in ids]
    return Result(
        count, steps, metrics, wall_s=max(*stored, *exits) - started, server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
        finish_s=[o["end"] - o["last"] for o in out],
        finish_to_stored_s=[s - o["end"] for o, s in zip(out, stored)],
        last_log_to_stored_s=[s - o["last"] for o, s in zip(out, stored)],
        window_s=max(stored) - min(o["first"] for o in out), version=out[0]["version"],
        posts=[file_stream_posts(root / f"{kind}-client", run_id) for run_id in ids]
        if kind == "wandb" else [])


def report(heron_result: Result, wandb_result: Result) -> None:
    """Each figure for Heron's SDK (the baseline), then for the official client with its ratio
    to it (none for waits that are near 0 s, where a ratio is noise)."""
    h, w = heron_result, wandb_result
    per_m = 1e6 / h.points, 1e6 / w.points
    figures: list[tuple[str, float, float, str, str, bool]] = [
        ("server CPU per 1M points (its process, all threads)",
         h.server_cpu_s * per_m[0], w.server_cpu_s * per_m[1], "s", "", True),
        ("clients' CPU per run (process trees, start-up included)",
         h.client_cpu_s / h.count, w.client_cpu_s / w.count, "s", "", True),
        ("finish() call, slowest client", max(h.finish_s), max(w.finish_s), "s", "", True),
        ("finish() returned -> run finished in the store with every row, worst (0: before)",
         max(0.0, *h.finish_to_stored_s), max(0.0, *w.finish_to_stored_s), "s", "< 2 s",
         False),
        ("last log() -> run finished in the store with every row, worst",
         max(h.last_log_to_stored_s), max(w.last_log_to_stored_s), "s", "", True),
        ("points stored per second, first log() to the last run stored",
         h.points / h.window_s, w.points / w.window_s, "pts/s", "", True),
        ("wall time, processes started to the last run stored", h.wall_s, w.wall_s, "s", "",
         True),
    ]
    for name, baseline, value, unit, target, with_ratio in figures:
        ratio = baseline if with_ratio else None
        print(f" {name}")
        print(row("heron SDK (baseline)", baseline, unit, ratio))
        print(row(f"official client, wandb {w.version}", value, unit, ratio, target))
    with_rows = [[n for n in posts if n] for posts in w.posts]
    if any(with_rows):
        print(f"  the official client sent the history in {sum(map(len, with_rows))} "
              f"file_stream post(s) in all, {max(map(len, with_rows))} at most per run; the "
              f"largest held {max(max(p, default=0) for p in with_rows):,} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="steps of the single run (20,000)")
    parser.add_argument("--metrics", type=int, default=10, help="floats per step")
    parser.add_argument("--clients", type=int, help="clients at once (16)")
    parser.add_argument("--client-steps", type=int,
                        help="steps of each run when --clients log at once (2,000)")
    parser.add_argument("--wandb-python", help="python of a venv with wandb installed "
                        f"(default: the tests' cached venv of wandb {WANDB_VERSION})")
    parser.add_argument("--quick", action="store_true",
                        help="a small run: 2,000 steps, 4 clients of 500 steps (the flags "
                        "above still apply)")
    args = parser.parse_args()
    for name, full, quick in (("steps", 20_000, 2_000), ("clients", 16, 4),
                              ("client_steps", 2_000, 500)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    python = wandb_python(args.wandb_python)
    print(f"wandb client: one run of {args.steps:,} steps x {args.metrics} metrics, then "
          f"{args.clients} runs at once of {args.client_steps:,} steps, into one local heron "
          "server (SQLite)")
    print(f"  official client: {python}, "
          + " ".join(f"{k}={v}" for k, v in WANDB_ENV.items())
          + ", its default file_stream interval")
    print(f"  heron SDK (baseline): heron.Settings({HERON_SETTINGS})")
    print(f"  every step of every run read back once with its value, run finished: "
          f"checked before each figure; load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp_name:
        root = Path(tmp_name)
        server = Server(root)
        try:
            poller = Poller(server.store_dir, 10, args.metrics)
            fixed: dict[str, float] = {}
            for kind in ("heron", "wandb"):  # server start-up work is not a client's cost
                client = python if kind == "wandb" else Path(sys.executable)
                measure(server, poller, client, kind, 1, 10, args.metrics, root, "warm")
                fixed[kind] = measure(server, poller, client, kind, 1, 10, args.metrics, root,
                                      "small").server_cpu_s
            poller.stop()
            print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs heron':>9}")
            print(" server CPU for a run of 10 steps (what every run costs, after a warm-up run)")
            print(row("heron SDK (baseline)", fixed["heron"], "s", fixed["heron"]))
            print(row("official client", fixed["wandb"], "s", fixed["heron"]))
            for count, steps in ((1, args.steps), (args.clients, args.client_steps)):
                poller = Poller(server.store_dir, steps, args.metrics)
                tag = f"c{count}x"
                results = {kind: measure(server, poller,
                                         python if kind == "wandb" else Path(sys.executable),
                                         kind, count, steps, args.metrics, root, tag)
                           for kind in ("heron", "wandb")}
                poller.stop()
                print(f" {count} client(s) x {steps:,} steps x {args.metrics} metrics, every "
                      "step stored once with its value, every run finished")
                print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs heron':>9}  target")
                report(results["heron"], results["wandb"])
        finally:
            server.stop()
    print(f"  load average at the end {os.getloadavg()[0]:.1f}, on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
