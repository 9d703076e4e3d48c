"""Edits a stored run through W&B's public API: ``edit_api.py ENTITY/PROJECT/RUN_ID``."""

import sys

import wandb

run = wandb.Api().run(sys.argv[1])
run.config["added"] = 7
run.tags = [*run.tags, "edited"]
run.name = "renamed"
run.notes = "edited notes"
run.summary["best"] = 0.5
run.summary.update()
run.update()
print("edited", run.id)
