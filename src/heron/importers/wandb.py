"""``heron import wandb DIR``: W&B run folders (``offline-run-*``, ``run-*``) become runs.

Everything comes from the run's ``.wandb`` record log (``heron.importers.wandb_records``)
and its ``files/`` folder: the run's identity, config (with W&B's own ``_wandb`` entry left
out), history rows at their ``_step`` with their ``_timestamp``, the summary, and files.
Images and histograms in rows and the summary become Heron media; other W&B media stay as
the JSON W&B wrote (their files are kept among the run's files).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from heron.importers.model import ImportedRow, ImportedRun, ImportSourceError, stable_run_id
from heron.importers.wandb_records import read_records
from heron.media.histogram import Histogram
from heron.media.image import Image

INTERNAL_KEY = "_wandb"
ROW_CLOCK_KEYS = ("_step", "_timestamp", "_runtime")


def find_run_files(root: Path) -> list[Path]:
    """The ``.wandb`` files of the run folders in or under ``root`` (one run folder, a
    ``wandb/`` folder, or a folder holding one), oldest folder first.

    Example:
        >>> find_run_files(Path("wandb"))
        [PosixPath('wandb/offline-run-20240101_120000-abc123/run-abc123.wandb')]
    """
    if not root.is_dir():
        raise ImportSourceError(f"{root} is not a folder of W&B runs")
    found = sorted(p for p in root.rglob("run-*.wandb") if p.is_file())
    if not found:
        raise ImportSourceError(f"no W&B run folders (offline-run-*/run-*.wandb) under {root}")
    return found


def read_runs(root: Path, project: str | None = None) -> list[ImportedRun]:
    """Every W&B run under ``root``.

    Example:
        >>> [run.name for run in read_runs(Path("wandb"))]
        ['wise-sun-1']
    """
    return [read_run(path, project) for path in find_run_files(root.expanduser().resolve())]


class _RunState:
    """What the records of one run say, applied in order."""

    def __init__(self) -> None:
        self.run: Any = None
        self.config: dict[str, Any] = {}
        self.summary: dict[str, Any] = {}
        self.files: list[str] = []
        self.exit_code: int | None = None
        self.runtime: float | None = None


def read_run(path: Path, project: str | None = None) -> ImportedRun:
    """The run whose record log is ``path`` (``<run folder>/run-<id>.wandb``)."""
    state = _RunState()
    for record in read_records(path):
        kind = _kind(record)
        if kind == "run":
            state.run = record.run
            _apply(state.config, record.run.config)
            _apply(state.summary, record.run.summary)
        elif kind == "config":
            _apply(state.config, record.config)
        elif kind == "summary":
            _apply(state.summary, record.summary)
        elif kind == "files":
            state.files.extend(item.path for item in record.files.files)
        elif kind == "exit":
            state.exit_code = int(record.exit.exit_code)
            state.runtime = float(record.exit.runtime)
    if state.run is None:
        raise ImportSourceError(f"{path} holds no run record: not a W&B run log")
    info = state.run
    files_dir = path.parent / "files"
    started = info.start_time.seconds + info.start_time.nanos / 1e9
    state.config.pop(INTERNAL_KEY, None)
    state.summary.pop(INTERNAL_KEY, None)
    ended = None if state.runtime is None else started + state.runtime
    if state.exit_code is None:
        run_state = "crashed"  # the log stops without an exit record: the process died
    else:
        run_state = "finished" if state.exit_code == 0 else "failed"
    return ImportedRun(
        project=project or info.project or "uncategorized",
        run_id=stable_run_id("wandb", info.run_id), name=info.display_name or info.run_id,
        source=f"wandb:{path}", started_at=started, ended_at=ended, state=run_state,
        config=state.config, summary=_values(state.summary, files_dir),
        tags=list(info.tags), notes=info.notes or None, group=info.run_group or None,
        job_type=info.job_type or None, rows=lambda: _rows(path, files_dir),
        files=_files(files_dir, state.files),
        metadata={"wandb_run_id": info.run_id, "wandb_entity": info.entity,
                  "host": info.host or None},
    )


def _kind(record: Any) -> str | None:
    for field, _value in record.ListFields():
        if field.name != "num":
            return str(field.name)
    return None


def _item_value(item: Any) -> Any:
    """An item's value: W&B writes JSON text (``value_json``), with ``NaN``/``Infinity``."""
    text = item.value_json or item.json
    if text:
        return json.loads(text)
    for name in ("number", "integer", "boolean", "text"):  # typed values, when set
        if getattr(item, name):
            return getattr(item, name)
    return None


def _key_path(item: Any) -> list[str]:
    return [item.key] if item.key else list(item.nested_key)


def _apply(target: dict[str, Any], items: Any) -> None:
    """Apply a config or summary record's updates and removals to ``target`` (nested)."""
    for item in items.update:
        keys = _key_path(item)
        if not keys:
            continue
        node = target
        for key in keys[:-1]:
            child = node.get(key)
            node[key] = child = child if isinstance(child, dict) else {}
            node = child
        node[keys[-1]] = _item_value(item)
    for item in items.remove:
        keys = _key_path(item)
        parent: Any = target
        for key in keys[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if keys and isinstance(parent, dict):
            parent.pop(keys[-1], None)


def _rows(path: Path, files_dir: Path) -> list[ImportedRow]:
    rows = []
    for record in read_records(path):
        if _kind(record) != "history":
            continue
        raw: dict[str, Any] = {}
        _apply(raw, _Updates(record.history.item))
        step = raw.pop("_step", None)
        if not isinstance(step, (int, float)):
            step = record.history.step.num
        timestamp = raw.pop("_timestamp", None)
        raw.pop("_runtime", None)
        raw.pop(INTERNAL_KEY, None)
        rows.append(ImportedRow(step=int(step), values=_values(raw, files_dir),
                                timestamp=float(timestamp) if _is_number(timestamp) else None))
    return rows


class _Updates:
    """A history record's items, in the shape ``_apply`` takes."""

    def __init__(self, items: Any) -> None:
        self.update = items
        self.remove: list[Any] = []


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _values(nested: dict[str, Any], files_dir: Path, prefix: str = "") -> dict[str, Any]:
    """Flat ``{dotted key: value}`` as Heron stores rows; W&B media become Heron media."""
    out: dict[str, Any] = {}
    for key, value in nested.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and "_type" in value:
            out[name] = _media(value, files_dir)
        elif isinstance(value, dict):
            out.update(_values(value, files_dir, prefix=name + "."))
        else:
            out[name] = value
    return out


def _media(value: dict[str, Any], files_dir: Path) -> Any:
    """A W&B media reference as Heron media, or as it is when Heron has no equivalent (or
    its file is missing)."""
    kind = value.get("_type")
    if kind == "histogram" and "values" in value and "bins" in value:
        return Histogram(np_histogram=(value["values"], value["bins"]))
    if kind == "image-file" and isinstance(value.get("path"), str):
        source = files_dir / value["path"]
        if source.is_file() and files_dir.resolve() in source.resolve().parents:
            return Image(str(source), caption=value.get("caption"))
    return value


def _files(files_dir: Path, named: list[str]) -> list[tuple[str, Path]]:
    """The run's files: those its records name and those in ``files/`` (not its media,
    which the rows hold), each once."""
    names = dict.fromkeys(named)
    if files_dir.is_dir():
        names.update(dict.fromkeys(p.relative_to(files_dir).as_posix()
                                   for p in sorted(files_dir.rglob("*")) if p.is_file()))
    out = []
    for name in names:
        parts = Path(name).parts
        if name.startswith("media/") or Path(name).is_absolute() or ".." in parts:
            continue  # a record naming a file outside files/ is not the run's
        path = files_dir / name  # may be W&B's symlink to the file the script saved
        if path.is_file():
            out.append((name, path))
    return out
