"""Use an artifact with the official client and download it: ``artifact_use.py PROJECT SPEC
ROOT`` prints the version, the folder and the files as JSON."""

import json
import os
import sys

import wandb

project, spec, root = sys.argv[1:4]
run = wandb.init(project=project)
art = run.use_artifact(spec)
folder = art.download(root=root)
files = sorted(os.path.relpath(os.path.join(d, f), folder)
               for d, _, names in os.walk(folder) for f in names)
print(json.dumps({"version": art.version, "folder": folder, "files": files,
                  "metadata": art.metadata, "aliases": art.aliases, "run": run.id}))
run.finish()
