"""Images, histograms and a table, as W&B users log them: ``log_media.py PROJECT``."""

import sys

import numpy as np
import wandb

run = wandb.init(project=sys.argv[1])
pixels = (np.arange(16 * 16 * 3).reshape(16, 16, 3) % 255).astype("uint8")
for i in range(3):
    wandb.log({"img": wandb.Image(pixels + i, caption=f"step {i}"),
               "h": wandb.Histogram(np.arange(10) * (i + 1)), "loss": 1 / (i + 1)})
wandb.log({"tab": wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])})
print("run-id:", run.id)
wandb.finish()
