"""log() overhead: 100,000 steps of a 10-float dict, against baselines measured in the same run.

Usage: python benchmarks/log_overhead.py [--steps N] [--repeat K]

Prints, for Heron (its default writer process, and the in-process writer thread) and for two
baselines (an empty loop, and the same rows appended to a JSON lines file): the median
microseconds per call in the loop, CPU microseconds per step of the training process, the
time finish() takes, peak RSS of the training process and of the writer process, and bytes on
disk per point. Each Heron run reads its run back after finish() and fails unless every step
is in the store: a finish() that left rows behind cannot report a time.
Targets (shared/ANCHORS.md, issue "Nothing lost"): < 10 us per log(), CPU per step no more than
13.9 us, 1M points stored within 1 s of finish(), training-process peak RSS < 120 MB (W&B's main
process: 65 MB). Peers measured on this kind of machine: trackio 43 us, W&B offline 205 us,
SwanLab 234 us, MLflow 946 us, Aim 1.5 ms per log().
"""

from __future__ import annotations

import argparse

from _common import row, run_isolated

HERON = """
import json, os, resource, time
import heron
N = {steps}
rows = [{{f"metric_{{j}}": (i * 31 + j) * 1e-3 for j in range(10)}} for i in range(1000)]
run = heron.init(project="bench", settings=heron.Settings(system_sample_seconds=0, console="off",
                                                          writer="{writer}"))
cpu0 = time.process_time()
t0 = time.perf_counter()
for i in range(N):
    heron.log(rows[i % 1000])
loop = time.perf_counter() - t0
t1 = time.perf_counter()
heron.finish()
finish = time.perf_counter() - t1
cpu = time.process_time() - cpu0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
from heron.sdk import writer_process
service = writer_process._Service._current
writer_rss = 0.0
if service is not None:  # the writer process lives on for later runs: read its peak (Linux)
    with open(f"/proc/{{service.proc.pid}}/status") as status:
        writer_rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
stored = heron.Api().run(f"bench/{{run.id}}")
column = stored.history(keys=["metric_9"], samples=N + 1)["metric_9"]
if stored.lastHistoryStep != N - 1 or len(column) != N or column.iloc[-1] != rows[(N - 1) % 1000]["metric_9"]:
    raise SystemExit(f"only {{len(column)}} of {{N}} steps are in the store after finish()")
root = os.environ["HERON_DIR"]
disk = sum(os.path.getsize(os.path.join(root, f)) for f in os.listdir(root) if f.startswith("heron.db"))
points = N * 10
print(json.dumps({{"us_per_call": loop / N * 1e6, "cpu_us_per_step": cpu / N * 1e6,
                  "finish_s": finish, "peak_rss_mb": rss, "writer_rss_mb": writer_rss,
                  "bytes_per_point": disk / points}}))
"""

EMPTY = """
import json, resource, time
N = {steps}
rows = [{{f"metric_{{j}}": (i * 31 + j) * 1e-3 for j in range(10)}} for i in range(1000)]
def log(row): pass
cpu0 = time.process_time(); t0 = time.perf_counter()
for i in range(N):
    log(rows[i % 1000])
loop = time.perf_counter() - t0
print(json.dumps({{"us_per_call": loop / N * 1e6, "cpu_us_per_step": (time.process_time() - cpu0) / N * 1e6,
                  "finish_s": 0.0, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "writer_rss_mb": 0.0, "bytes_per_point": 0.0}}))
"""

JSONL = """
import json, os, resource, time
N = {steps}
rows = [{{f"metric_{{j}}": (i * 31 + j) * 1e-3 for j in range(10)}} for i in range(1000)]
path = os.path.join(os.environ["HERON_DIR"], "rows.jsonl")
f = open(path, "w")
cpu0 = time.process_time(); t0 = time.perf_counter()
for i in range(N):
    f.write(json.dumps({{**rows[i % 1000], "_step": i, "_timestamp": time.time()}}) + "\\n")
loop = time.perf_counter() - t0
t1 = time.perf_counter(); f.close(); finish = time.perf_counter() - t1
print(json.dumps({{"us_per_call": loop / N * 1e6, "cpu_us_per_step": (time.process_time() - cpu0) / N * 1e6,
                  "finish_s": finish, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "writer_rss_mb": 0.0, "bytes_per_point": os.path.getsize(path) / (N * 10)}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    empty = run_isolated(EMPTY.format(steps=args.steps), repeat=args.repeat)
    jsonl = run_isolated(JSONL.format(steps=args.steps), repeat=args.repeat)
    process = run_isolated(HERON.format(steps=args.steps, writer="process"), repeat=args.repeat)
    thread = run_isolated(HERON.format(steps=args.steps, writer="thread"), repeat=args.repeat)
    print(f"log() overhead: {args.steps:,} steps x 10 floats (median of {args.repeat} runs; "
          "every step checked in the store)")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs jsonl':>9}  target")
    for name, result in (("empty loop", empty), ("json lines file (baseline)", jsonl),
                         ("heron (writer process, the default)", process),
                         ("heron (writer thread)", thread)):
        heron = name.startswith("heron")
        print(f" {name}")
        print(row("per call in the loop", result["us_per_call"], "us",
                  jsonl["us_per_call"], "< 10 us" if heron else ""))
        print(row("CPU per step, training process", result["cpu_us_per_step"], "us",
                  jsonl["cpu_us_per_step"], "<= 13.9 us" if heron else ""))
        print(row("finish() / close(), all steps stored", result["finish_s"], "s", None,
                  "< 1 s" if heron else ""))
        print(row("peak RSS, training process", result["peak_rss_mb"], "MB", None,
                  "< 120 MB" if heron else ""))
        if result["writer_rss_mb"]:
            print(row("peak RSS, writer process", result["writer_rss_mb"], "MB", None))
        print(row("bytes on disk per point", result["bytes_per_point"], "B", None))
    print("  peers (shared/ANCHORS.md): trackio 43 us, W&B 205 us, SwanLab 234 us, MLflow 946 us")

if __name__ == "__main__":
    main()
