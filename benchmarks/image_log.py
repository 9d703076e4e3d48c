"""Image logging: 1,000 steps each logging one 64 x 64 RGB image.

Usage: python benchmarks/image_log.py [--steps N]

Reports the per-call cost of ``log({"img": heron.Image(array)})`` in the loop (PNG encoding
happens on the writer thread) and the ``finish()`` time, after checking that every step's image
is in the store and readable; the baseline, measured in the same
run, encodes the same PNG inline with Pillow, as a tracker that encodes in the training thread
must. Target: under 200 us per call (trackio, SwanLab and Aim about 1 ms, W&B 2 ms, MLflow
6-11 ms on this kind of machine).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(50)]

    from PIL import Image as PILImage

    inline = []
    for step in range(args.steps):
        t0 = time.perf_counter()
        buffer = io.BytesIO()
        PILImage.fromarray(images[step % 50]).save(buffer, format="PNG")
        inline.append(time.perf_counter() - t0)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HERON_DIR"] = tmp
        os.environ["HERON_SILENT"] = "1"
        import heron

        run = heron.init(project="bench-images",
                         settings=heron.Settings(system_sample_seconds=0, console="off"))
        calls = []
        for step in range(args.steps):
            t0 = time.perf_counter()
            heron.log({"img": heron.Image(images[step % 50]), "loss": 1.0 / (step + 1)})
            calls.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        heron.finish()
        finish = time.perf_counter() - t0
        stored = len(list(Path(tmp, "media").rglob("*.png")))
        # The figure counts only if every step's image is in the store and readable.
        refs = [row["img"] for row in heron.Api().run(f"bench-images/{run.id}")
                .scan_history(keys=["img"])]
        if len(refs) != args.steps or any(ref is None for ref in refs):
            raise SystemExit(f"only {len(refs)} of {args.steps} images are in the store")
        for path in {ref["path"] for ref in refs}:
            PILImage.open(Path(tmp, path)).verify()
    base = statistics.median(inline) * 1e6
    print(f"image logging: {args.steps} steps x one 64x64 RGB image (medians)")
    print(f"  {'':<44} {'value':>12} {'unit':<6} {'vs inline':>9}  target")
    print(row("PNG encoded inline with Pillow (baseline)", base, "us", base))
    print(row("heron log({'img': Image(array)})", statistics.median(calls) * 1e6, "us", base,
              "< 200 us"))
    print(row("heron log(), 95th percentile", sorted(calls)[int(len(calls) * 0.95)] * 1e6,
              "us", base))
    print(row("heron finish() (encodes what is left)", finish * 1e3, "ms"))
    print(f"  distinct PNG files stored: {stored} (50 distinct images: content-addressed)")


if __name__ == "__main__":
    main()
