"""A run that keeps a file with ``wandb.save`` and logs an image: ``save_file.py PROJECT FILE``
(FILE is saved with the folder that holds it as its base, so the run's file is its name)."""

import os
import sys

import numpy as np
import wandb

project, path = sys.argv[1:3]
run = wandb.init(project=project)
pixels = (np.arange(32 * 32 * 3).reshape(32, 32, 3) % 251).astype("uint8")
wandb.log({"img": wandb.Image(pixels, caption="saved"), "loss": 0.5})
wandb.save(path, base_path=os.path.dirname(path), policy="now")
print("run-id:", run.id)
wandb.finish()
