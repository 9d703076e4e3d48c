"""Log a dataset artifact with the official client: ``artifact_log.py PROJECT DIR NAME
ALIASES`` adds DIR/train.csv as a file and DIR/images as a folder, logs it with the
comma-separated ALIASES, waits, and prints the logged version as JSON."""

import json
import os
import sys

import wandb

project, folder, name, aliases = sys.argv[1:5]
run = wandb.init(project=project)
art = wandb.Artifact(name, type="dataset", description="digits",
                     metadata={"rows": 3, "source": "test"})
art.add_file(os.path.join(folder, "train.csv"))
art.add_dir(os.path.join(folder, "images"), name="images")
run.log_artifact(art, aliases=[a for a in aliases.split(",") if a])
art.wait()
print(json.dumps({"version": art.version, "id": art.id, "digest": art.digest,
                  "aliases": art.aliases, "run": run.id}))
run.finish()
