"""Log a model artifact with Heron's own SDK (run with Heron's interpreter, ``HERON_HOST`` and
``HERON_API_KEY`` set): ``artifact_heron_log.py PROJECT FILE NAME`` prints the version."""

import json
import sys

import heron

project, path, name = sys.argv[1:4]
run = heron.init(project=project)
art = heron.Artifact(name, type="model", metadata={"by": "heron"})
art.add_file(path, name="weights.bin")
with art.new_file("notes/readme.txt") as f:
    f.write("made by heron")
run.log_artifact(art, aliases=["prod"])
art.wait()
print(json.dumps({"version": art.version, "run": run.id}))
heron.finish()
