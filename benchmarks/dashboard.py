"""The dashboard in a real browser: time to charts drawn, bytes transferred, live latency.

Usage: python benchmarks/dashboard.py [--repeat N] [--data DIR] [--quick]

Starts `heron ui` on a store written straight through `heron.store` (as benchmarks/
bucketed_query.py does), opens pages in the system Chromium (headless, 1400 x 900, a fresh
context each time, so an empty cache) and measures, median of --repeat loads:

- time from navigation until every chart on screen has drawn its data, and the bytes
  transferred (compressed, as on the wire) until then;
- the workloads of ../shared/ANCHORS.md's dashboard table (5 runs x 3 metrics x 2,000 steps;
  one 200,000-step run) next to the peers' figures measured there;
- issue 4's workloads: 100 runs x 20 metrics x 10,000 steps, and one run of 1,000,000 points;
- the time from `heron.log()` in a running script (the real SDK, local store) until the point
  is drawn in an open chart;
- `heron ui`'s time to ready and its memory.

Needs Playwright for Python and Chromium at /usr/bin/chromium (see tests/web).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from heron import records as r
from heron.store import open_store

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 900}

# Every chart on screen has drawn its first load (LineChart sets data-drawn after uPlot draws).
CHARTS_DRAWN = """() => {
  const onScreen = [...document.querySelectorAll('.chart')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.top < innerHeight && r.bottom > 0;
  });
  return onScreen.length > 0 && onScreen.every((c) => c.dataset.drawn === '1');
}"""


# -- data ----------------------------------------------------------------------------------------

def write_project(store: Any, project: str, runs: int, metrics: int, steps: int,
                  seed: int = 0) -> None:
    """``runs`` finished runs, each ``metrics`` random walks of ``steps`` steps, 10,000-row
    batches (what a fast training loop's writer flushes)."""
    rng = np.random.default_rng(seed)
    names = [f"train/m{i}" if i < metrics // 2 else f"val/m{i - metrics // 2}"
             for i in range(metrics)]
    for k in range(runs):
        run_id = f"r{k:04d}"
        start = time.time() - 3600
        store.write(r.Batch(project=project, run_id=run_id, seq=1, records=[r.RunStart(
            name=f"{project}-{k}", config={"lr": 0.001 * (k + 1), "seed": k},
            started_at=start)]))
        data = np.cumsum(rng.normal(size=(steps, metrics)), axis=0) * 0.01 + np.arange(metrics)
        seq = 1
        for first in range(0, steps, 10_000):
            seq += 1
            rows = [r.HistoryRow(s, {"_step": s, "_timestamp": start + s * 0.01,
                                     "_runtime": s * 0.01, **dict(zip(names, data[s].tolist()))})
                    for s in range(first, min(steps, first + 10_000))]
            store.write(r.Batch(project=project, run_id=run_id, seq=seq, records=rows))
        summary = {**dict(zip(names, data[-1].tolist())), "_step": steps - 1}
        store.write(r.Batch(project=project, run_id=run_id, seq=seq + 1, records=[
            r.SummarySet(summary), r.RunEnd(state="finished", exit_code=0, ended_at=time.time())]))


def write_long_run(store: Any, project: str, points: int) -> None:
    """One run with one metric of ``points`` points, and a spike the chart must keep."""
    rng = np.random.default_rng(1)
    values = np.cumsum(rng.normal(size=points))
    values[points // 3] += 1000.0
    start = time.time() - 3600
    store.write(r.Batch(project=project, run_id="long", seq=1, records=[
        r.RunStart(name="long", started_at=start)]))
    seq = 1
    for first in range(0, points, 10_000):
        seq += 1
        store.write(r.Batch(project=project, run_id="long", seq=seq, records=[
            r.HistoryRow(s, {"_step": s, "_timestamp": start + s * 1e-3, "_runtime": s * 1e-3,
                             "loss": float(values[s])})
            for s in range(first, min(points, first + 10_000))]))
    store.write(r.Batch(project=project, run_id="long", seq=seq + 1, records=[
        r.SummarySet({"loss": float(values[-1]), "_step": points - 1}),
        r.RunEnd(state="finished", exit_code=0, ended_at=time.time())]))


WORKLOADS = [
    # (name, project, what to open, runs, metrics, steps or points)
    ("5 runs x 3 metrics x 2k steps", "anchor5", "workspace", 5, 3, 2_000),
    ("one 200k-step run", "anchor200k", "run", 1, 1, 200_000),
    ("100 runs x 20 metrics x 10k steps", "many", "workspace", 100, 20, 10_000),
    ("one run of 1,000,000 points", "million", "run", 1, 1, 1_000_000),
]


def prepare(data: Path, quick: bool) -> None:
    marker = data / "workloads.json"
    if marker.is_file() and json.loads(marker.read_text()) == {"quick": quick}:
        return
    store = open_store(data)
    t0 = time.perf_counter()
    for _name, project, _page, runs, metrics, size in WORKLOADS:
        if quick and project == "many":
            runs = 20
        if metrics == 1 and runs == 1:
            write_long_run(store, project, size)
        else:
            write_project(store, project, runs, metrics, size)
    store.close()
    marker.write_text(json.dumps({"quick": quick}))
    print(f"wrote the workloads in {time.perf_counter() - t0:.1f} s", file=sys.stderr)


# -- server --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(data: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    env = {**os.environ, "HERON_DIR": str(data), "HERON_SILENT": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "from heron.cli import main; main()", "ui",
                             "--port", str(port), "--no-browser"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=1).read()
            return proc, base, time.perf_counter() - t0
        except OSError:
            if proc.poll() is not None or time.perf_counter() - t0 > 60:
                raise SystemExit("heron ui did not start") from None
            time.sleep(0.02)


def rss_mb(pid: int) -> float:
    try:
        import psutil

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except Exception:
        return float("nan")


# -- browser -------------------------------------------------------------------------------------

def load(browser: Any, url: str, init: str | None = None) -> tuple[float, int, int]:
    """Seconds from navigation to every chart on screen drawn; bytes and requests until then.
    ``init``: a script run before the page's own (to set a saved preference)."""
    context = browser.new_context(viewport=VIEWPORT)
    if init:
        context.add_init_script(init)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000, polling=20)
    elapsed = time.perf_counter() - t0
    total = sum(sizes.values())
    context.close()
    return elapsed, total, len(sizes)


LIVE = r"""
import json, sys, time
import heron
heron.init(project="live", name="live")
out = open(sys.argv[1], "a")
for step in range(int(sys.argv[2])):
    t = time.time()
    heron.log({"loss": 1.0 / (step + 1)})
    out.write(json.dumps([step, t]) + "\n"); out.flush()
    time.sleep(0.3)
heron.finish()
"""

# Record when each new last x of the run's legend entry appears (epoch seconds).
WATCH_LEGEND = """() => {
  window.__seen = {};
  const item = document.querySelector('.chart[data-metric="loss"] .legend-item');
  const note = () => {
    const x = item.dataset.lastX;
    if (x && !(x in window.__seen)) window.__seen[x] = (performance.timeOrigin + performance.now()) / 1000;
  };
  new MutationObserver(note).observe(item, { attributes: true });
  note();
}"""


def live_latency(browser: Any, base: str, data: Path, steps: int = 25) -> list[float]:
    """Seconds from log() to the point drawn in an open chart, for the points after the first
    few (the run page of a script logging every 0.3 s through the real SDK)."""
    with tempfile.TemporaryDirectory() as tmp:
        times = Path(tmp) / "times.jsonl"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HERON_", "WANDB_"))}
        env.update(HERON_DIR=str(data), HERON_SILENT="1", HERON_SYSTEM_SAMPLE_SECONDS="0")
        proc = subprocess.Popen([sys.executable, "-c", LIVE, str(times), str(steps)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            run_id = None
            deadline = time.time() + 30
            while run_id is None and time.time() < deadline:
                with urllib.request.urlopen(f"{base}/api/v1/projects/live/runs") as res:
                    runs = [x for x in json.loads(res.read()) if x["state"] == "running"]
                run_id = runs[0]["id"] if runs and runs[0]["history_rows"] > 1 else None
                time.sleep(0.1)
            if run_id is None:
                raise SystemExit("the live script's run did not appear")
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.goto(f"{base}/#/p/live/r/{run_id}/charts")
            page.wait_for_function(CHARTS_DRAWN, timeout=30_000, polling=20)
            page.evaluate(WATCH_LEGEND)
            proc.wait(steps * 0.3 + 30)
            page.wait_for_timeout(1500)
            seen = page.evaluate("window.__seen")
            context.close()
        finally:
            if proc.poll() is None:
                proc.kill()
        logged = dict(json.loads(line) for line in times.read_text().splitlines())
        first = min((float(x) for x in seen), default=0)
        return [t - logged[int(float(x))] for x, t in seen.items()
                if float(x) > first and int(float(x)) in logged]


# -- report --------------------------------------------------------------------------------------

# ANCHORS.md, dashboards: (time to charts drawn, bytes) for its two workloads, and live latency.
PEERS = {
    "5 runs x 3 metrics x 2k steps": "trackio 1.96 s 1.2 MB; Aim 1.76 s 3.5 MB; "
                                     "SwanLab 2.26 s 3.7 MB; MLflow 3.33 s 10.7 MB",
    "one 200k-step run": "trackio 1.77 s; Aim 1.58 s (500 points); SwanLab 2.57 s; "
                         "MLflow 4.11 s",
    "live": "trackio 0.5-1.5 s; Aim 3-6 s; SwanLab 2.5-4.7 s; MLflow 23-25 s",
    "ready": "trackio 0.8 s 70 MB; Aim 4.5 s 365 MB; SwanLab 1 s 77 MB; MLflow 13 s 1.8 GB",
}
TARGETS = {
    "5 runs x 3 metrics x 2k steps": "< 0.5 s, < 600 KB",
    "one 200k-step run": "< 0.5 s",
    "100 runs x 20 metrics x 10k steps": "< 2 s, < 5 MB",
    "one run of 1,000,000 points": "< 1 s",
    "live": "< 0.5 s (issue 4: < 1 s)",
    "ready": "< 1 s, < 100 MB",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="cold loads per page (median)")
    parser.add_argument("--data", type=Path, help="keep the generated store here (reused)")
    parser.add_argument("--quick", action="store_true", help="20 runs instead of 100")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        prepare(data, args.quick)
        proc, base, ready = start_server(data)
        memory_ready = rss_mb(proc.pid)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                load(browser, f"{base}/#/p/anchor5")  # warm the server (imports, caches)
                results = []
                for name, project, kind, *_ in WORKLOADS:
                    url = (f"{base}/#/p/{project}" if kind == "workspace"
                           else f"{base}/#/p/{project}/r/long/charts")
                    loads = [load(browser, url) for _ in range(args.repeat)]
                    results.append((name, statistics.median(x[0] for x in loads),
                                    statistics.median(x[1] for x in loads),
                                    statistics.median(x[2] for x in loads)))
                    if project == "many":  # the same with every run in the charts, not 20
                        init = "localStorage.setItem('heron.chartLimit', '0')"
                        loads = [load(browser, url, init) for _ in range(args.repeat)]
                        results.append((f"  ... all {100 if not args.quick else 20} runs "
                                        "in each chart", statistics.median(x[0] for x in loads),
                                        statistics.median(x[1] for x in loads),
                                        statistics.median(x[2] for x in loads)))
                memory = rss_mb(proc.pid)
                lags = live_latency(browser, base, data)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(10)

    print(f"Heron dashboard (headless Chromium {VIEWPORT['width']} x {VIEWPORT['height']}, "
          f"empty cache, median of {args.repeat} loads)")
    print(f"  {'workload':<36} {'charts drawn':>12} {'bytes':>10} {'requests':>8}  target"
          "             peers (ANCHORS.md)")
    for name, seconds, size, requests in results:
        print(f"  {name:<36} {seconds:10.2f} s {size / 1e6:7.2f} MB {requests:8.0f}  "
              f"{TARGETS.get(name, ''):<18} {PEERS.get(name, '')}")
    if lags:
        print(f"  {'live: log() to point drawn':<36} {statistics.median(lags):10.2f} s "
              f"(max {max(lags):.2f} s over {len(lags)} points)  {TARGETS['live']:<18} "
              f"{PEERS['live']}")
    print(f"  {'heron ui ready after start':<36} {ready:10.2f} s {memory_ready:7.0f} MB RSS"
          f"{'':9} {TARGETS['ready']:<18} {PEERS['ready']}")
    print(f"  {'heron ui memory after the loads':<36} {'':12} {memory:7.0f} MB RSS")


if __name__ == "__main__":
    main()
