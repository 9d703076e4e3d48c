"""Reading one metric of a 100,000-step run back, against a row-per-point SQLite baseline.

Usage: python benchmarks/readback.py [--steps N]

Heron stores each metric as columnar chunks; the baseline is the "obvious" narrow table
(run, key, step, value) with an index, read with one SELECT, as most trackers do.
Target: < 50 ms through ``Api().run(...).history(keys=[...])`` (trackio 0.45 s, Aim 0.66 s,
MLflow 1.1 s, W&B offline 17 s on this kind of machine).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile

from _common import median_time, row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    n = args.steps
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HERON_DIR"] = tmp
        os.environ["HERON_SILENT"] = "1"
        import heron

        run = heron.init(project="bench", settings=heron.Settings(system_sample_seconds=0,
                                                                   console="off"))
        for i in range(n):
            heron.log({f"metric_{j}": (i * 31 + j) * 1e-3 for j in range(10)})
        heron.finish()
        api = heron.Api()
        stored = api.run(f"bench/{run.id}")
        import pandas  # noqa: F401  (imported once, as in any session that uses DataFrames)

        frame = stored.history(keys=["metric_3"], samples=n)
        assert len(frame) == n
        heron_df = median_time(lambda: stored.history(keys=["metric_3"], samples=n))
        heron_list = median_time(lambda: stored.history(keys=["metric_3"], samples=n, pandas=False))
        cold = median_time(lambda: heron.Api().run(f"bench/{run.id}").history(keys=["metric_3"],
                                                                         samples=n), repeat=3)

        db = sqlite3.connect(os.path.join(tmp, "narrow.db"))
        db.execute("CREATE TABLE points (run INTEGER, key TEXT, step INTEGER, value REAL)")
        db.execute("CREATE INDEX ix ON points (run, key, step)")
        db.executemany("INSERT INTO points VALUES (1, ?, ?, ?)",
                       ((f"metric_{j}", i, (i * 31 + j) * 1e-3)
                        for i in range(n) for j in range(10)))
        db.commit()
        narrow = median_time(lambda: db.execute(
            "SELECT step, value FROM points WHERE run=1 AND key='metric_3' ORDER BY step"
        ).fetchall())
    print(f"read one metric of a {n:,}-step run back (median of several reads)")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs rows':>9}  target")
    print(row("row-per-point SQLite table (baseline)", narrow * 1e3, "ms", narrow * 1e3))
    print(row("heron Api history() -> DataFrame", heron_df * 1e3, "ms", narrow * 1e3, "< 50 ms"))
    print(row("heron Api history(pandas=False) -> dicts", heron_list * 1e3, "ms", narrow * 1e3))
    print(row("heron, new Api() + run() + history()", cold * 1e3, "ms", narrow * 1e3))
    print("  peers (shared/ANCHORS.md): trackio 450 ms, Aim 660 ms, MLflow 1,100 ms, W&B 17 s")


if __name__ == "__main__":
    main()
