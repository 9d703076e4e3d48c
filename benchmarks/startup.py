"""``import heron`` and ``heron.init()`` wall time, each in a fresh interpreter.

Usage: python benchmarks/startup.py [--repeat K]

The baseline is ``import json`` plus creating a file, measured the same way. Targets: both
under 150 ms (W&B: import 0.46-1.3 s and init 0.41 s on this kind of machine).
"""

from __future__ import annotations

import argparse

from _common import row, run_isolated

HERON = """
import json, time
t0 = time.perf_counter()
import heron
t1 = time.perf_counter()
run = heron.init(project="bench")
t2 = time.perf_counter()
heron.finish()
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "init_ms": (t2 - t1) * 1e3}))
"""

BASELINE = """
import time
t0 = time.perf_counter()
import json, os
t1 = time.perf_counter()
open(os.path.join(os.environ["HERON_DIR"], "x"), "w").close()
t2 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "init_ms": (t2 - t1) * 1e3}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = {"HERON_SYSTEM_SAMPLE_SECONDS": "10"}
    base = run_isolated(BASELINE, repeat=args.repeat)
    heron = run_isolated(HERON, env=env, repeat=args.repeat)
    print(f"startup (median of {args.repeat} fresh interpreters)")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'':>9}  target")
    print(row("import json (baseline)", base["import_ms"], "ms"))
    print(row("import heron", heron["import_ms"], "ms", None, "< 150 ms"))
    print(row("heron.init()", heron["init_ms"], "ms", None, "< 150 ms"))
    print("  peers (shared/ANCHORS.md): import 0.46-1.3 s; init: W&B 0.41 s, trackio 11 ms")


if __name__ == "__main__":
    main()
