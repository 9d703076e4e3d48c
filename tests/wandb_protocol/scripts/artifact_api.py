"""Read an artifact with ``wandb.Api()``: ``artifact_api.py SPEC ROOT`` prints its metadata,
aliases, version, type, description and files as JSON after downloading it to ROOT; an
error is printed as ``{"error": TYPE, "message": ...}``."""

import json
import os
import sys

import wandb

spec, root = sys.argv[1:3]
try:
    art = wandb.Api().artifact(spec)
except Exception as exc:  # the client's own error, shown to the test
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    sys.exit(0)
folder = art.download(root=root)
files = sorted(os.path.relpath(os.path.join(d, f), folder)
               for d, _, names in os.walk(folder) for f in names)
print(json.dumps({"version": art.version, "metadata": art.metadata, "aliases": art.aliases,
                  "type": art.type, "description": art.description, "name": art.name,
                  "files": files, "folder": folder,
                  "logged_by": (art.logged_by().id if art.logged_by() else None)}))
