"""Log each case of a JSON file with the official client's ``wandb.plot`` (offline), then print
what the client stored: every history row, the run's config and the tables' contents, as JSON.

Run with the client venv's interpreter: ``python wandb_plots.py CASES.json``. The history and
config are read back from the run's ``.wandb`` record log (a LevelDB-style log of protobuf
records) so the test compares what W&B itself keeps, not what it would upload.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import wandb
from wandb.proto import wandb_internal_pb2

BLOCK = 32 * 1024
HEADER = 7  # every record: crc32 (4), length (2), type (1)
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def records(path: Path) -> list[bytes]:
    """The payloads of the record log at ``path`` (its 7-byte file header skipped)."""
    data = path.read_bytes()
    out: list[bytes] = []
    pos = 7
    pending = b""
    while pos + HEADER <= len(data):
        left_in_block = BLOCK - (pos % BLOCK)
        if left_in_block < HEADER:
            pos += left_in_block
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + HEADER])
        body = data[pos + HEADER:pos + HEADER + length]
        pos += HEADER + length
        if kind == FULL:
            out.append(body)
        elif kind == FIRST:
            pending = body
        elif kind == MIDDLE:
            pending += body
        elif kind == LAST:
            out.append(pending + body)
            pending = b""
        else:  # zeros past the last record (a block written ahead): the next block
            pos += BLOCK - (pos % BLOCK) if pos % BLOCK else 0
            pending = b""
    return out


def finished_log(path: Path) -> list[Any]:
    """The records of the run's log once it holds the run's exit record: the client's
    service may still be writing it for a moment after ``finish()`` returns."""
    deadline = time.monotonic() + 30
    while True:
        found = []
        for payload in records(path):
            rec = wandb_internal_pb2.Record()
            rec.ParseFromString(payload)
            found.append(rec)
        if any(rec.WhichOneof("record_type") == "exit" for rec in found):
            return found
        if time.monotonic() > deadline:
            raise SystemExit(f"{path} holds no exit record after 30 s")
        time.sleep(0.2)


def put(into: dict[str, Any], keys: list[str], value: Any) -> None:
    """``value`` at the nested path ``keys`` of ``into`` (W&B records a nested key's parts)."""
    for key in keys[:-1]:
        into = into.setdefault(key, {})
    into[keys[-1]] = value


def chart(case: dict[str, Any]) -> Any:
    kwargs = dict(case.get("kwargs", {}))
    for name in ("y_probas", "probs"):
        if name in kwargs:
            kwargs[name] = np.array(kwargs[name])
    if "table" in case:
        table = wandb.Table(columns=case["table"]["columns"], data=case["table"]["data"])
        if case["fn"] == "plot_table":
            return wandb.plot_table(data_table=table, **kwargs)
        return getattr(wandb.plot, case["fn"])(table, **kwargs)
    return getattr(wandb.plot, case["fn"])(**kwargs)


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    run = wandb.init(project="plots", mode="offline", dir=os.environ["WANDB_DIR"])
    for case in cases:
        value = {case["key"]: chart(case)}
        run.log({case["parent"]: value} if "parent" in case else value)
    run_dir = Path(run.dir).parent
    run.finish()
    history: list[dict[str, Any]] = []
    config: dict[str, Any] = {}
    for rec in finished_log(next(run_dir.glob("*.wandb"))):
        kind = rec.WhichOneof("record_type")
        if kind == "history":
            row: dict[str, Any] = {}
            for item in rec.history.item:
                put(row, list(item.nested_key) or [item.key], json.loads(item.value_json))
            history.append(row)
        elif kind == "config":
            for item in rec.config.update:
                put(config, list(item.nested_key) or [item.key], json.loads(item.value_json))
    tables = {}
    for row in history:
        for key, value in row.items():
            if isinstance(value, dict) and value.get("_type") == "table-file":
                tables[key] = json.loads((run_dir / "files" / value["path"]).read_text())
    print(json.dumps({"history": history, "config": config, "tables": tables}))


if __name__ == "__main__":
    main()
