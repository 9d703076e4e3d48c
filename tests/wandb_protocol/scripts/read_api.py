"""What a W&B user's analysis script reads with ``wandb.Api()``: ``read_api.py PLAN OUT``.

PLAN is a JSON file: ``{"runs": ["entity/project/run_id", ...], "download_root": DIR,
"media": {run path: [file name, ...]}, "queries": [{"name", "path", "filters", "order",
"per_page"}], "missing": ["entity/project/run_id", ...], "projects": true}``.
OUT gets JSON of everything read, so the test compares it with ``heron.Api()``.
"""

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import wandb

plan = json.loads(Path(sys.argv[1]).read_text())
api = wandb.Api()
out: dict[str, Any] = {"entity": api.default_entity, "runs": {}, "queries": {}, "missing": {}}


def plain(value: Any) -> Any:
    """The summary's nested values (W&B wraps them in dict-like objects) as plain dicts."""
    if hasattr(value, "keys"):
        return {k: plain(v) for k, v in dict(value).items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def read_run(path: str) -> dict[str, Any]:
    run = api.run(path)
    files: dict[str, dict[str, Any]] = {}
    root = os.path.join(plan["download_root"], run.id)
    for f in run.files():
        with f.download(root=root, replace=True) as _:
            pass
        data = Path(root, f.name).read_bytes()
        files[f.name] = {"size": f.size, "sha256": hashlib.sha256(data).hexdigest()}
    media: dict[str, str] = {}
    for name in plan.get("media", {}).get(path, []):  # a history row's W&B path
        target = run.file(name).download(root=root + "-media", replace=True)
        target.close()
        data = Path(root + "-media", name).read_bytes()
        media[name] = hashlib.sha256(data).hexdigest()
    return {
        "id": run.id, "name": run.name, "state": run.state, "tags": run.tags,
        "notes": run.notes, "group": run.group, "job_type": run.job_type,
        "created_at": run.created_at, "config": run.config, "summary": plain(run.summary),
        "last_step": run.lastHistoryStep,
        "history_keys": run.history(samples=7, keys=["loss", "acc"], pandas=False),
        "history_all": run.history(samples=5, pandas=False),
        "scan_keys": list(run.scan_history(keys=["loss"], page_size=7)),
        "scan_all": list(run.scan_history(page_size=11)),
        "files": files, "media": media,
    }


for path in plan.get("runs", []):
    out["runs"][path] = read_run(path)
for query in plan.get("queries", []):
    runs = api.runs(query["path"], filters=query.get("filters"),
                    order=query.get("order") or "+created_at",
                    per_page=query.get("per_page", 50))
    out["queries"][query["name"]] = {"ids": [run.id for run in runs], "count": len(runs)}
if plan.get("projects"):
    out["projects"] = sorted(p.name for p in api.projects())
for path in plan.get("missing", []):
    try:
        api.run(path)
        out["missing"][path] = "found"
    except Exception as exc:  # what the user's script sees
        out["missing"][path] = f"{type(exc).__name__}: {exc}"
Path(sys.argv[2]).write_text(json.dumps(out, indent=1, default=str))
