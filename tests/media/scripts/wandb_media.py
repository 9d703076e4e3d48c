"""Log every case of ``media_cases.CASES`` with the official client (offline), then print the
JSON W&B stored for each key, the bytes of each file it wrote (hex) and the versions of the
libraries that made them, as one JSON object.

Run with the client venv's interpreter: ``python wandb_media.py``. The history is read back
from the run's ``.wandb`` record log, so the test compares what W&B itself keeps.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import wandb

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "plot" / "scripts")]

from media_cases import CASES  # noqa: E402
from wandb_plots import finished_log  # noqa: E402  (the record-log reader the plot tests use)


def main() -> None:
    run = wandb.init(project="media", mode="offline", dir=os.environ["WANDB_DIR"])
    for key, make in CASES.items():
        run.log({key: make(wandb)})
    run_dir = Path(run.dir).parent
    run.finish()
    values: dict[str, Any] = {}
    for rec in finished_log(next(run_dir.glob("*.wandb"))):
        if rec.WhichOneof("record_type") == "history":
            for item in rec.history.item:  # a media value comes as one item per JSON key
                keys = list(item.nested_key) or [item.key]
                if keys[0].startswith("_"):
                    continue
                place = values
                for key in keys[:-1]:
                    place = place.setdefault(key, {})
                place[keys[-1]] = json.loads(item.value_json)
    files = {key: (run_dir / "files" / value["path"]).read_bytes().hex()
             for key, value in values.items() if "path" in value}
    versions = {name: version(name) for name in ("plotly", "matplotlib", "pillow", "numpy")}
    print(json.dumps({"values": values, "files": files, "versions": versions}))


if __name__ == "__main__":
    main()
