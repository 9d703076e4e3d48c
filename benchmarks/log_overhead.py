"""log() overhead: 100,000 steps of a 10-float dict, against baselines measured in the same run.

Usage: python benchmarks/log_overhead.py [--steps N] [--repeat K]

Prints, for Heron and for two baselines (an empty loop, and the same rows appended to a JSON
lines file), the median microseconds per call in the loop, process CPU seconds per million
points, the time finish() takes, peak RSS and bytes on disk per point.
Targets (shared/ANCHORS.md): < 10 us per log(), < 20 us CPU per step, 1M points durable within
1 s of finish(), peak RSS < 150 MB. Peers measured on this kind of machine: trackio 43 us,
W&B offline 205 us, SwanLab 234 us, MLflow 946 us, Aim 1.5 ms per log().
"""

from __future__ import annotations

import argparse

from _common import row, run_isolated

HERON = """
import json, os, resource, time
import heron
N = {steps}
rows = [{{f"metric_{{j}}": (i * 31 + j) * 1e-3 for j in range(10)}} for i in range(1000)]
heron.init(project="bench", settings=heron.Settings(system_sample_seconds=0, console="off"))
cpu0 = time.process_time()
t0 = time.perf_counter()
for i in range(N):
    heron.log(rows[i % 1000])
loop = time.perf_counter() - t0
t1 = time.perf_counter()
heron.finish()
finish = time.perf_counter() - t1
cpu = time.process_time() - cpu0
root = os.environ["HERON_DIR"]
disk = sum(os.path.getsize(os.path.join(root, f)) for f in os.listdir(root) if f.startswith("heron.db"))
points = N * 10
print(json.dumps({{"us_per_call": loop / N * 1e6, "cpu_s_per_million": cpu / points * 1e6,
                  "finish_s": finish, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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
print(json.dumps({{"us_per_call": loop / N * 1e6, "cpu_s_per_million": (time.process_time() - cpu0) / (N * 10) * 1e6,
                  "finish_s": 0.0, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "bytes_per_point": 0.0}}))
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
print(json.dumps({{"us_per_call": loop / N * 1e6, "cpu_s_per_million": (time.process_time() - cpu0) / (N * 10) * 1e6,
                  "finish_s": finish, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "bytes_per_point": os.path.getsize(path) / (N * 10)}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    empty = run_isolated(EMPTY.format(steps=args.steps), repeat=args.repeat)
    jsonl = run_isolated(JSONL.format(steps=args.steps), repeat=args.repeat)
    heron = run_isolated(HERON.format(steps=args.steps), repeat=args.repeat)
    print(f"log() overhead: {args.steps:,} steps x 10 floats (median of {args.repeat} runs)")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs jsonl':>9}  target")
    for name, result in (("empty loop", empty), ("json lines file (baseline)", jsonl),
                         ("heron", heron)):
        print(f" {name}")
        print(row("per call in the loop", result["us_per_call"], "us",
                  jsonl["us_per_call"], "< 10 us" if name == "heron" else ""))
        print(row("CPU per million points (all threads)", result["cpu_s_per_million"], "s",
                  jsonl["cpu_s_per_million"], "< 2 s (20 us/step)" if name == "heron" else ""))
        print(row("finish() / close()", result["finish_s"], "s", None,
                  "< 1 s" if name == "heron" else ""))
        print(row("peak RSS", result["peak_rss_mb"], "MB", None,
                  "< 150 MB" if name == "heron" else ""))
        print(row("bytes on disk per point", result["bytes_per_point"], "B", None))
    print("  peers (shared/ANCHORS.md): trackio 43 us, W&B 205 us, SwanLab 234 us, MLflow 946 us")


if __name__ == "__main__":
    main()
