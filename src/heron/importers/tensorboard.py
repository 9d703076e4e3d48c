"""``heron import tensorboard LOGDIR``: each folder holding event files becomes a run.

Events are read with tensorboard's own ``EventFileLoader`` and converted by the same code as
the live sync (``heron.tensorboard.events``). The TensorBoard global step becomes the run's
``_step`` (the run is complete, so nothing else competes for the axis); values of one step
from several events join one row; each row keeps the latest wall time of its events.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from heron.importers.model import ImportedRow, ImportedRun, ImportSourceError, stable_run_id
from heron.tensorboard.events import event_point

EVENT_FILE_MARK = "tfevents"


def _loader(path: Path) -> Any:
    try:
        from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    except ImportError:
        raise ImportSourceError("heron import tensorboard needs the tensorboard package: "
                                "pip install 'heron[tensorboard]'") from None
    return EventFileLoader(str(path))


def event_files(run_dir: Path) -> list[Path]:
    """The event files directly in ``run_dir``, oldest first (their names start with the
    time they were created)."""
    return sorted(p for p in run_dir.iterdir() if p.is_file() and EVENT_FILE_MARK in p.name)


def find_run_dirs(logdir: Path) -> list[Path]:
    """``logdir`` and every folder below it that holds event files itself.

    Example:
        >>> find_run_dirs(Path("runs"))      # runs/exp1/events..., runs/exp2/events...
        [PosixPath('runs/exp1'), PosixPath('runs/exp2')]
    """
    if not logdir.is_dir():
        raise ImportSourceError(f"{logdir} is not a folder of TensorBoard logs")
    found = {p.parent for p in logdir.rglob(f"*{EVENT_FILE_MARK}*") if p.is_file()}
    return sorted(found)


def read_runs(logdir: Path, project: str | None = None) -> list[ImportedRun]:
    """The runs of a TensorBoard logdir, named by their folder relative to it.

    Example:
        >>> [run.name for run in read_runs(Path("runs"), project="imported")]
        ['exp1', 'exp2']
    """
    logdir = logdir.expanduser().resolve()
    runs = []
    for run_dir in find_run_dirs(logdir):
        relative = run_dir.relative_to(logdir).as_posix()
        name = logdir.name if relative == "." else relative
        started = _first_wall_time(run_dir)
        runs.append(ImportedRun(
            project=project or logdir.name, run_id=stable_run_id("tb", str(run_dir)),
            name=name, source=f"tensorboard:{run_dir}", started_at=started,
            rows=functools.partial(_rows, run_dir), metadata={"tensorboard_logdir": str(run_dir)},
        ))
    return runs


def _events(run_dir: Path) -> Iterator[Any]:
    for path in event_files(run_dir):
        yield from _loader(path).Load()


def _first_wall_time(run_dir: Path) -> float:
    for event in _events(run_dir):
        return float(event.wall_time)
    return 0.0


def _rows(run_dir: Path) -> list[ImportedRow]:
    """Every step's values, in step order."""
    by_step: dict[int, ImportedRow] = {}
    for event in _events(run_dir):
        point = event_point(event)
        if point is None:
            continue
        row = by_step.get(point.step)
        if row is None:
            row = by_step[point.step] = ImportedRow(step=point.step, values={})
        row.values.update(point.values)
        row.timestamp = max(row.timestamp or 0.0, point.wall_time)
    return [by_step[step] for step in sorted(by_step)]
