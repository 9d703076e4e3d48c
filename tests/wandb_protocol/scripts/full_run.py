"""The whole everyday scenario in one run, for every client version: ``full_run.py PROJECT``.

Login, ``init`` with config, tags, notes and group; scalars, an image, a histogram and a
table; a summary value, a config update, ``finish``. Prints ``run-id: ID``.
"""

import sys

import numpy as np
import wandb

STEPS = 20

wandb.login()
run = wandb.init(project=sys.argv[1], config={"lr": 0.01, "layers": [64, 32]},
                 tags=["a", "b"], notes="some notes", group="g1")
pixels = (np.arange(8 * 8 * 3).reshape(8, 8, 3) % 255).astype("uint8")
for i in range(STEPS):
    row = {"loss": 1.0 / (i + 1), "acc": i / STEPS}
    if i % 10 == 0:
        row["img"] = wandb.Image(pixels + i, caption=f"step {i}")
        row["h"] = wandb.Histogram(np.arange(10) * (i + 1))
    wandb.log(row)
wandb.log({"tab": wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])})
run.summary["best"] = 0.99
wandb.config.update({"extra": 5})
print("hello from the script")
print("run-id:", run.id)
wandb.finish()
