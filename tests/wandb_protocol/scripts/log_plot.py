"""A custom chart as W&B users log it: ``log_plot.py PROJECT``."""

import sys

import wandb

run = wandb.init(project=sys.argv[1])
table = wandb.Table(columns=["x", "y"], data=[[i, i * i] for i in range(5)])
wandb.log({"curve": wandb.plot.line(table, "x", "y", title="Squares")})
print("run-id:", run.id)
wandb.finish()
