"""Ingest: 1, 8 and 32 concurrent runs logging to one local ``heron server``.

Usage: python benchmarks/ingest.py [--clients 1,8,32] [--steps N] [--db sqlite|URL]

Each client is its own process logging 10 metrics per step through the SDK (HttpSink). Reports
points per second stored (from the first client's start to the last point visible), the p50 and
p95 latency from ``log()`` to the point being visible through the API (a probe run logs its wall
time and a reader polls ``/series?after=``), and checks that no point was lost or duplicated.
Baseline in the same run: the same clients writing straight into the SQLite store (no server).
Target: >= 200,000 points/s with SQLite; p95 log-to-visible < 1 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from _common import row

CLIENT = """
import heron, sys, time
n = int(sys.argv[1])
heron.init(project="ingest", id=sys.argv[2], settings=heron.Settings(system_sample_seconds=0, console="off", silent=True))
row = {f"m{j}": 0.0 for j in range(10)}
print(time.time(), flush=True)
for i in range(n):
    heron.log(row)
heron.finish()
print(time.time(), flush=True)
"""

PROBE = """
import heron, sys, time
heron.init(project="ingest", id=sys.argv[2], settings=heron.Settings(system_sample_seconds=0, console="off", silent=True, flush_interval=0.1))
for i in range(int(sys.argv[1])):
    heron.log({"t": time.time()})
    time.sleep(0.05)
heron.finish()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_clients(count: int, steps: int, env: dict[str, str], tag: str) -> float:
    """Seconds from the first client's first log() to the last client's finish() returning
    (interpreter start-up is not ingest)."""
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT, str(steps), f"{tag}{i}"], env=env,
                              stdout=subprocess.PIPE, text=True) for i in range(count)]
    starts, ends = [], []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit("a client failed")
        first, last = out.split()
        starts.append(float(first))
        ends.append(float(last))
    return max(ends) - min(starts)


def measure(count: int, steps: int, db: str, tmp: Path) -> dict[str, float]:
    tag = f"c{count}x"  # run ids unique per measurement: a PostgreSQL database is reused
    port = free_port()
    key = subprocess.run([sys.executable, "-m", "heron.cli", "server", "--db", db, "keys",
                          "create", "--user", "bench"], capture_output=True, text=True,
                         check=True).stdout.strip()
    server = subprocess.Popen([sys.executable, "-m", "heron.cli", "server", "--db", db,
                               "--media", str(tmp / "media"), "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            httpx.get(url + "/api/v1/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    env = {**os.environ, "HERON_HOST": url, "HERON_API_KEY": key, "HERON_DIR": str(tmp / "c")}
    latencies: list[float] = []
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {key}"}

    def read_probe() -> None:
        cursor = 0
        with httpx.Client(base_url=url + "/api/v1", headers=headers, timeout=10) as client:
            while not stop.is_set():
                got = client.get(f"/projects/ingest/runs/probe{tag}/series",
                                 params={"key": "t", "after": cursor})
                now = time.time()
                if got.status_code == 200:
                    data = got.json()
                    latencies.extend(now - t for t in data["buckets"]["last"])
                    cursor = data["cursor"]
                time.sleep(0.02)

    probe = subprocess.Popen([sys.executable, "-c", PROBE, "60", f"probe{tag}"], env=env)
    reader = threading.Thread(target=read_probe)
    reader.start()
    elapsed = run_clients(count, steps, env, tag)
    probe.wait()
    time.sleep(0.5)
    stop.set()
    reader.join()
    with httpx.Client(base_url=url + "/api/v1", headers=headers, timeout=30) as client:
        for i in range(count):
            got = client.get(f"/projects/ingest/runs/{tag}{i}/series",
                             params={"key": "m3", "points": steps + 1}).json()
            if got["total"] != steps or got["buckets"]["x"] != [float(s) for s in range(steps)]:
                raise SystemExit(f"client {i}: {got['total']} points stored, {steps} logged")
    server.terminate()
    server.wait()
    latencies.sort()
    return {"points_per_s": count * steps * 10 / elapsed,
            "p50": latencies[len(latencies) // 2], "p95": latencies[int(len(latencies) * 0.95)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--db", default="sqlite", help="'sqlite' or a postgresql:// URL")
    args = parser.parse_args()
    print(f"ingest: N clients x {args.steps:,} steps x 10 metrics into one local server")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs direct':>9}  target")
    for count in (int(c) for c in args.clients.split(",")):
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            env = {**os.environ, "HERON_DIR": str(tmp / "direct")}
            direct = count * args.steps * 10 / run_clients(count, args.steps, env, "d")
            db = f"sqlite:///{tmp / 'server.db'}" if args.db == "sqlite" else args.db
            result = measure(count, args.steps, db, tmp)
        print(f" {count} client(s), no point lost or duplicated")
        print(row("direct to SQLite, no server (baseline)", direct, "pts/s", direct))
        print(row("through the server", result["points_per_s"], "pts/s", direct,
                  ">= 200,000"))
        print(row("log() to visible, p50", result["p50"] * 1e3, "ms"))
        print(row("log() to visible, p95", result["p95"] * 1e3, "ms", None, "< 1,000 ms"))


if __name__ == "__main__":
    main()
