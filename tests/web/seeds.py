"""Scripts that make the browser tests' projects through the real SDK (each run in a
subprocess with HERON_DIR set to the tests' store)."""

from __future__ import annotations

MEDIA_PROJECT = "webmedia"
SWEEP_PROJECT = "websweep"
MANY_PROJECT = "webmany"
MANY_RUNS = 40
MANY_METRICS = 8
MANY_STEPS = 1500
SWEEP_FIRST_RUNS = 8
SWEEP_RUN_CAP = 12

# Images (with boxes and masks), lists of images, histograms, a table with images in its cells,
# and watch() on a tiny torch model with its module tree; a second run with images only.
MEDIA = r"""
import numpy as np
import torch
import heron

rng = np.random.default_rng(0)
run = heron.init(project=%(project)r, name="vision-run", config={"lr": 0.1})
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                            torch.nn.Linear(4 * 14 * 14, 10))
heron.watch(model, log="all", log_freq=2, log_graph=True)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
yy, xx = np.mgrid[0:32, 0:48]
for step in range(12):
    loss = torch.nn.functional.cross_entropy(model(torch.randn(8, 3, 16, 16)),
                                             torch.randint(0, 10, (8,)))
    opt.zero_grad()
    loss.backward()
    opt.step()
    row = {"loss": loss.item()}
    if step %% 3 == 0:
        pixels = np.stack([xx * 4 + step * 8, yy * 7, np.full_like(xx, 120)], axis=-1)
        mask = np.zeros((32, 48), dtype=np.uint8)
        mask[2:12, 26:46] = 1
        mask[18:30, 2:20] = 2
        row["samples/image"] = heron.Image(
            pixels.astype(np.uint8), caption=f"step {step} <b>not bold</b>",
            boxes={"predictions": {"box_data": [
                {"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.12, "maxY": 0.62},
                 "class_id": 1, "box_caption": "cat <img src=x onerror=alert(5)>",
                 "scores": {"conf": 0.9}},
                {"position": {"middle": [36, 24], "width": 16, "height": 12}, "domain": "pixel",
                 "class_id": 2}], "class_labels": {1: "cat", 2: "dog"}}},
            masks={"segmentation": {"mask_data": mask,
                                    "class_labels": {0: "background", 1: "sky", 2: "road"}}})
        row["samples/grid"] = [heron.Image(rng.random((28, 28)), caption=f"digit {i} @ {step}")
                               for i in range(6)]
        row["dist/activations"] = heron.Histogram(rng.normal(step * 0.2, 1 + step * 0.05, 2000))
    heron.log(row)
heron.log({"eval/predictions": heron.Table(
    columns=["id", "image", "label", "score"],
    data=[[i, heron.Image((rng.random((16, 16, 3)) * 255).astype(np.uint8)),
           "<script>alert(4)</script>" if i == 3 else f"class {i %% 3}", round(i * 0.37 %% 1, 4)]
          for i in range(25)])})
heron.finish()

heron.init(project=%(project)r, name="second-run", reinit=True)
for step in range(6):
    row = {"loss": 1.0 / (step + 1)}
    if step in (0, 5):
        row["samples/image"] = heron.Image(np.full((32, 48, 3), 40 * step, dtype=np.uint8),
                                           caption=f"second {step}")
    heron.log(row)
heron.finish()
"""

# A random-search sweep run by heron.agent(function=..., count=N) in this process.
SWEEP = r"""
import math, sys
import heron

cfg = {"method": "random", "metric": {"name": "val/loss", "goal": "minimize"},
       "run_cap": %(cap)d,
       "parameters": {"lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
                      "layers": {"values": [1, 2, 3]}, "optimizer": {"values": ["adam", "sgd"]}}}
sweep_id = sys.argv[1] if len(sys.argv) > 1 else heron.sweep(cfg, project=%(project)r)

def train():
    run = heron.init()
    c = run.config
    for s in range(4):
        heron.log({"val/loss": (math.log10(c.lr) + 2.5) ** 2 + 0.1 * c.layers
                   + (0.3 if c.optimizer == "sgd" else 0) + 1 / (s + 1)})
    heron.finish()

heron.agent(sweep_id, function=train, count=%(count)d, project=%(project)r)
print(sweep_id)
"""

# Many runs of many metrics, for the workspace's many-run requests.
MANY = r"""
import math
import heron

for k in range(%(runs)d):
    heron.init(project=%(project)r, name=f"many-{k:02d}", reinit=True,
               config={"lr": round(0.001 * (k + 1), 4), "seed": k, "wide": k %% 2 == 0})
    for step in range(%(steps)d):
        heron.log({f"m{j}": math.sin(step / 50 + k + j) + k * 0.01 for j in range(%(metrics)d)})
    heron.finish()
"""

ARTIFACT_PROJECT = "webart"

# A dataset artifact with a PNG, a CSV and a text file, logged twice by one run (v0, then v1
# with the alias `best`), then used (`digits:best`) by a second run. The description carries
# HTML. Prints the two run ids.
ARTIFACTS = r"""
import struct, tempfile, zlib
from pathlib import Path
import heron

def png(width, height):
    rows = b"".join(b"\x00" + b"".join(bytes(((x * 20) & 255, (y * 30) & 255, 120))
                                       for x in range(width)) for y in range(height))
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))

work = Path(tempfile.mkdtemp())
(work / "sample.png").write_bytes(png(12, 8))
(work / "notes.txt").write_text("hand written notes\n<b>not bold</b>\n")
producer = heron.init(project=%(project)r, name="producer-run")
for version, ids in enumerate(([1, 2], [1, 2, 3])):
    (work / "data.csv").write_text("id,label,score\n"
                                   + "".join(f'{i},"class, {i}",{i / 2}\n' for i in ids))
    art = heron.Artifact("digits", type="dataset",
                         description="digits <img src=x onerror=alert(7)>",
                         metadata={"rows": len(ids),
                                   "source": {"kind": "synthetic", "seed": version}})
    art.add_file(str(work / "sample.png"))
    art.add_file(str(work / "data.csv"))
    art.add_file(str(work / "notes.txt"))
    producer.log_artifact(art, aliases=["best"])
    art.wait()
heron.finish()
consumer = heron.init(project=%(project)r, name="consumer-run")
consumer.use_artifact("digits:best")
heron.finish()
print(producer.id, consumer.id)
"""
