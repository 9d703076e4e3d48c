"""``heron.Api().run(path)``: a stored run, read the way W&B's public API reads one."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from heron.api import history as h
from heron.errors import Conflict, ValueRejected
from heron.limits import cut_values, file_name_problem
from heron.store import RunAccess
from heron.store.models import STREAMS, FileInfo, RunInfo, Series

# The config keys W&B's public API keeps out of ``run.config`` (only ``run.rawconfig`` shows
# them): the client's own ``_wandb`` entry (custom charts, telemetry) and ``wandb_version``.
# A user's other keys, ``_``-prefixed ones included, stay in ``config``, as in W&B.
INTERNAL_CONFIG_KEYS = frozenset({"_wandb", "wandb_version"})


def split_config(stored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(config, rawconfig)`` of a stored config, as W&B's public API makes them: the user's
    keys, and the stored config whole (internal keys included)."""
    raw = dict(stored)
    return {k: v for k, v in raw.items() if k not in INTERNAL_CONFIG_KEYS}, raw


def config_to_write(config: dict[str, Any], rawconfig: dict[str, Any]) -> dict[str, Any]:
    """The config ``update()`` stores: the internal keys of ``rawconfig`` (so an edit of
    ``run.config`` keeps the ``_wandb`` entry that custom charts live in) with the user's
    ``config`` over them; a user's own ``config["_wandb"]``, if set, wins."""
    hidden = {k: v for k, v in rawconfig.items() if k in INTERNAL_CONFIG_KEYS}
    return {**hidden, **config}


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class File:
    """A file of a run, as ``run.files()`` lists it: ``download()`` writes its bytes under a
    folder, at the same relative name (``media/images/examples_3_<hash>.png``...)."""

    def __init__(self, store: RunAccess, name: str, path: str, size: int, sha256: str,
                 run_pk: int = 0, updated_at: float | None = None,
                 content: bytes | None = None) -> None:
        self._store = store
        self._run_pk = run_pk
        self._content = content
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.path = path
        self._updated_at = updated_at

    @classmethod
    def _of(cls, store: RunAccess, info: FileInfo, run_pk: int, name: str | None = None
            ) -> File:
        return cls(store, name or info.name, info.path, info.size, info.sha256, run_pk,
                   info.updated_at, info.content)

    @property
    def updated_at(self) -> str | None:
        return _iso(self._updated_at)

    @property
    def url(self) -> str:
        """Where the file can be fetched: ``file://`` on the embedded store, the server's URL
        behind a server; empty for a file made from the run's data (``config.yaml``...)."""
        return self._store.file_url(self._run_pk, self.name)

    def download(self, root: str = ".", replace: bool = False, exist_ok: bool = False) -> Path:
        """Write the file to ``root/<name>`` (folders made as needed) and return that path.

        Refuses (``ValueRejected``) a name that would land outside ``root``: an absolute path
        or one with ``..`` parts, which a client could have given a saved file.
        """
        target = safe_target(root, self.name)
        if target.exists() and not replace:
            if exist_ok:
                return target
            raise FileExistsError(f"{target} exists; pass replace=True to overwrite it")
        target.parent.mkdir(parents=True, exist_ok=True)
        if self._content is not None:  # made from the run's data (config.yaml...)
            target.write_bytes(self._content)
        else:
            self._store.copy_file(self._run_pk, self.name, target)
        return target

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.size} bytes)>"


def safe_target(root: str | Path, name: str) -> Path:
    """``root/name``, or ``ValueRejected`` when ``name`` would escape ``root``.

    A saved file's name comes from whoever logged the run (a server may hold names stored
    before it refused them): an absolute name, a drive, ``..`` parts, or a folder inside
    ``root`` that is a link to elsewhere would write outside ``root``."""
    problem = file_name_problem(name)
    if problem is None:
        base = Path(root).resolve()
        target = (base / name).resolve()
        if not target.is_relative_to(base) or target == base:
            problem = f"file name {name[:200]!r} leads through a link out of the folder"
    if problem is not None:
        raise ValueRejected(f"{problem}: not writing it, as it would land outside "
                            f"{str(root)!r}")
    return Path(root) / name


class Run:
    """A stored run. ``config`` and ``summary`` are plain dicts; edit them and call ``update()``.

    As in W&B, ``config`` holds the user's keys only; ``rawconfig`` is the stored config
    whole, with the ``_wandb`` entry (custom charts of ``heron.plot`` and ``wandb.plot``, the
    official client's telemetry) that ``config`` leaves out.

    Example:
        >>> run = heron.Api().run("my_project/abc123xy")
        >>> run.history(keys=["loss"])          # a DataFrame of _step and loss
        >>> [row["loss"] for row in run.scan_history(keys=["loss"])]
    """

    def __init__(self, store: RunAccess, info: RunInfo) -> None:
        self._store = store
        self._info = info
        self.id = info.run_id
        self.entity = info.entity
        self.project = info.project
        self.name = info.name
        self.state = info.state
        # Values nested past MAX_DEPTH (stored before the limit) are cut, as the server
        # shows them (heron.limits.cut_values).
        self.config, self.rawconfig = split_config(cut_values(info.config))
        self.summary = dict(cut_values(info.summary))
        self.tags = list(info.tags)
        self.notes = info.notes
        self.group = info.group
        self.job_type = info.job_type
        self.metadata = dict(cut_values(info.metadata))
        self.sweep_id = info.sweep_id
        self.user = info.user
        self.exit_code = info.exit_code
        self.traceback = info.traceback

    # -- identity -------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        return self.name

    @property
    def path(self) -> list[str]:
        return [self.entity, self.project, self.id]

    @property
    def created_at(self) -> str | None:
        return _iso(self._info.created_at)

    @property
    def heartbeat_at(self) -> str | None:
        return _iso(self._info.heartbeat_at)

    @property
    def lastHistoryStep(self) -> int:
        return self._info.last_step

    @property
    def url(self) -> str:
        return f"/{self.entity or '-'}/{self.project}/runs/{self.id}"

    def __repr__(self) -> str:
        return f"<Run {'/'.join(p for p in self.path if p)} ({self.state})>"

    # -- history --------------------------------------------------------------------------
    def _series(self, keys: list[str], stream: int, min_step: int | None = None,
                max_step: int | None = None) -> list[Series]:
        return [self._store.read_series(self._info.pk, k, stream, min_step, max_step)
                for k in keys]

    def history(self, samples: int = 500, keys: list[str] | None = None, x_axis: str = "_step",
                pandas: bool = True, stream: str = "default") -> Any:
        """Sampled rows: at most ``samples`` of them, evenly spread, first and last kept.

        With ``keys``, only rows that hold every key, with ``x_axis`` and those keys as columns.
        Returns a pandas DataFrame when pandas is installed (and ``pandas=True``), else a list.
        """
        stream_id = _stream(stream)
        step_key = "_step" if stream_id == 0 else None
        if keys:
            wanted = [k for k in dict.fromkeys([x_axis, *keys]) if k != "_step"]
            series = self._series(wanted, stream_id)
            steps = h.common_steps(series) if series else np.empty(0, dtype=np.int64)
            if not series:  # only "_step" was asked for
                steps = self._series(["_timestamp"], stream_id)[0].steps
            steps = steps[h.sample_indices(len(steps), samples)]
            columns = h.rows_with_all(series, steps, "_step" if x_axis == "_step"
                                      or "_step" in keys else None)
            return _table(columns, pandas)
        all_keys = self._store.history_keys(self._info.pk, stream_id)
        rows = list(h.union_rows(self._series(all_keys, stream_id), step_key))
        picked = [rows[i] for i in h.sample_indices(len(rows), samples)]
        return _frame(picked, pandas)

    def scan_history(self, keys: list[str] | None = None, page_size: int = 1000,
                     min_step: int | None = None, max_step: int | None = None
                     ) -> Iterator[dict[str, Any]]:
        """Every row, unsampled, in step order; with ``keys``, rows holding all of them."""
        if keys:
            series = self._series([k for k in keys if k != "_step"], 0, min_step, max_step)
            if not series:
                series = self._series(["_timestamp"], 0, min_step, max_step)
                keys = ["_step"]
            steps = h.common_steps(series)
            columns = {s.key: h.aligned(s, steps).tolist() for s in series}
            columns["_step"] = steps.tolist()
            for i in range(len(steps)):
                yield {k: columns[k][i] for k in keys}
            return
        all_keys = self._store.history_keys(self._info.pk, 0)
        yield from h.union_rows(self._series(all_keys, 0, min_step, max_step), "_step")

    def console(self) -> list[str]:
        """The lines the run printed (stdout and stderr), in order."""
        return [line.text for line in self._store.console(self._info.pk)]

    # -- files and edits ------------------------------------------------------------------
    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[File]:
        """The run's files as W&B lists them, by name: files saved with ``save()``, logged
        media (``media/images/<key>_<step>_<hash>.png``, ``media/table/...table.json``),
        ``config.yaml``, ``wandb-summary.json``, ``wandb-metadata.json`` and ``output.log``."""
        found = [File._of(self._store, f, self._info.pk)
                 for f in self._store.run_files(self._info.pk)]
        return [f for f in found if names is None or f.name in names]

    def file(self, name: str) -> File:
        """One file by its name; a media reference's stored ``path`` (what a history row
        holds) is accepted too, and downloads under that path."""
        info = self._store.run_file(self._info.pk, name)
        if info is None:
            raise ValueRejected(f"run {self.id} has no file {name!r}")
        return File._of(self._store, info, self._info.pk, name=name)

    def update(self) -> None:
        """Save edits of ``name``, ``tags``, ``notes``, ``group``, ``job_type``, ``config`` and
        ``summary`` to the store (or the server).

        The config stored is ``config`` with the hidden keys of ``rawconfig`` (``_wandb``)
        kept, as W&B does: editing ``run.config`` does not drop a run's custom charts.
        ``rawconfig`` then shows what was stored."""
        config = config_to_write(self.config, self.rawconfig)
        self._store.update_run(self._info.pk, name=self.name, tags=self.tags, notes=self.notes,
                               group=self.group, job_type=self.job_type, config=config,
                               summary=self.summary)
        self.rawconfig = dict(config)

    def logged_artifacts(self) -> list[Any]:
        """The artifact versions this run logged."""
        from heron.api.artifacts import run_artifacts

        return run_artifacts(self._store, self._info.pk, used=False)

    def used_artifacts(self) -> list[Any]:
        """The artifact versions this run used (``use_artifact``)."""
        from heron.api.artifacts import run_artifacts

        return run_artifacts(self._store, self._info.pk, used=True)

    def stop(self) -> None:
        """Ask the running run to stop: within seconds its script gets a ``KeyboardInterrupt``
        (Heron's SDK and the official wandb client alike) and the run ends ``killed``.
        ``Conflict`` when the run is not running.

        >>> heron.Api().run("my-project/abc123").stop()  # doctest: +SKIP
        """
        if not self._store.request_run_stop(self._info.pk):
            raise Conflict(f"run {self.id} is {self.state}, not running: there is nothing to "
                           "stop")

    def delete(self, delete_artifacts: bool = False) -> None:
        """Delete the run and everything it logged."""
        self._store.delete_run(self._info.pk)


def _stream(stream: str) -> int:
    if stream not in STREAMS:
        raise ValueRejected(f"stream={stream!r} is not one of {sorted(STREAMS)}")
    return STREAMS[stream]


def _table(columns: dict[str, np.ndarray], pandas: bool) -> Any:
    if pandas:
        try:
            import pandas as pd
        except ImportError:
            pass
        else:
            return pd.DataFrame({k: v for k, v in columns.items()})
    names = list(columns)
    lists = [columns[k].tolist() for k in names]
    return [dict(zip(names, values)) for values in zip(*lists)]


def _frame(rows: list[dict[str, Any]], pandas: bool) -> Any:
    if pandas:
        try:
            import pandas as pd
        except ImportError:
            return rows
        return pd.DataFrame.from_records(rows)
    return rows
