"""Link an artifact version into another collection with the official client:
``artifact_link.py run PROJECT FILE NAME TARGET ALIASES`` logs FILE as the model NAME and
links it with ``run.link_artifact``; ``artifact_link.py api SPEC TARGET ALIASES`` links the
stored version SPEC with ``wandb.Api().artifact(SPEC).link``. Prints the linked version as
JSON."""

import json
import sys

import wandb

mode = sys.argv[1]
if mode == "run":
    project, path, name, target, aliases = sys.argv[2:7]
    run = wandb.init(project=project)
    art = wandb.Artifact(name, type="model")
    art.add_file(path)
    linked = run.link_artifact(art, target, aliases=[a for a in aliases.split(",") if a])
    run.finish()
else:
    spec, target, aliases = sys.argv[2:5]
    linked = wandb.Api().artifact(spec).link(target, aliases=[a for a in aliases.split(",")
                                                               if a])
print(json.dumps({"name": linked.name, "version": linked.version, "project": linked.project,
                  "aliases": sorted(linked.aliases)}))
