"""One metric of a 1,000,000-point run as 1,000 chart buckets (min, max, last per bucket).

Usage: python benchmarks/bucketed_query.py [--points N]

Baseline, measured in the same run: the same points in a row-per-point SQLite table, bucketed
with one GROUP BY (min, max per bucket), the approach a narrow table forces.
Target: < 100 ms through the store (DESIGN.md: the GROUP BY takes about 350 ms here).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile

import numpy as np
from _common import median_time, row

from heron import records as r
from heron.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.points
    rng = np.random.default_rng(0)
    values = np.cumsum(rng.normal(size=n))
    values[n // 3] += 1000.0  # one spike that must survive bucketing
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(tmp)
        step = 0
        seq = 1
        store.write(r.Batch(project="bench", run_id="big", seq=seq, records=[r.RunStart(name="big")]))
        while step < n:  # 100 flushes of 10,000 rows, as a fast training loop would write
            end = min(n, step + 10_000)
            seq += 1
            store.write(r.Batch(project="bench", run_id="big", seq=seq, records=[
                r.HistoryRow(s, {"loss": float(values[s])}) for s in range(step, end)]))
            step = end
        info = store.get_run("bench", "big")
        assert info is not None
        buckets, _ = store.series(info.pk, "loss", points=1000)
        assert len(buckets.x) == 1000 and buckets.max.max() == values.max()
        heron_full = median_time(lambda: store.series(info.pk, "loss", points=1000))
        heron_zoom = median_time(lambda: store.series(info.pk, "loss", points=1000,
                                                      x_min=n * 0.4, x_max=n * 0.5))

        db = sqlite3.connect(os.path.join(tmp, "narrow.db"))
        db.execute("CREATE TABLE points (run INTEGER, key TEXT, step INTEGER, value REAL)")
        db.execute("CREATE INDEX ix ON points (run, key, step)")
        db.executemany("INSERT INTO points VALUES (1, 'loss', ?, ?)",
                       ((i, float(v)) for i, v in enumerate(values)))
        db.commit()
        width = n / 1000
        narrow = median_time(lambda: db.execute(
            "SELECT CAST(step / ? AS INTEGER) AS b, MAX(step), MIN(value), MAX(value) "
            "FROM points WHERE run = 1 AND key = 'loss' GROUP BY b ORDER BY b", (width,)
        ).fetchall(), repeat=3)
    print(f"one metric of a {n:,}-point run as 1,000 buckets (median of several queries)")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs rows':>9}  target")
    print(row("row-per-point table + GROUP BY (baseline)", narrow * 1e3, "ms", narrow * 1e3))
    print(row("heron store.series(), whole run", heron_full * 1e3, "ms", narrow * 1e3,
              "< 100 ms"))
    print(row("heron store.series(), zoomed to 10%", heron_zoom * 1e3, "ms", narrow * 1e3))


if __name__ == "__main__":
    main()
