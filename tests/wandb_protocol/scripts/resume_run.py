"""Resume a run and log more: ``resume_run.py PROJECT RUN_ID STEPS``."""

import sys

import wandb

run = wandb.init(project=sys.argv[1], id=sys.argv[2], resume="must")
print("config on resume:", dict(run.config)["lr"], "best:", run.summary.get("best"))
for i in range(int(sys.argv[3])):
    wandb.log({"loss": -i})
wandb.finish()
