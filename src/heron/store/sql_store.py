"""``SqlStore``: the one ``Store`` implementation over SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import update
from sqlalchemy.engine import Engine

from heron.records import Batch
from heron.store import queries
from heron.store.apply import apply_batch
from heron.store.engine import READ, make_engine, sqlite_path
from heron.store.models import ConsoleLineInfo, FileInfo, ProjectInfo, RunInfo, Series
from heron.store.schema import runs

_pack = msgspec.msgpack.Encoder().encode
EDITABLE = ("name", "tags", "notes", "config", "summary", "group", "job_type")


class SqlStore:
    """Runs and their history in a SQL database; media files in a folder beside it.

    Example:
        >>> store = open_store("sqlite:///tmp/heron/heron.db")
        >>> [run.name for run in store.list_runs("my_project")]
    """

    def __init__(self, url: str, media_root: Path | None = None) -> None:
        self.url = url
        path = sqlite_path(url)
        if media_root is None:
            if path is None:
                raise ValueError("a PostgreSQL store needs a media folder (media_root)")
            media_root = path.parent
        self.media_root = Path(media_root)
        self._engine: Engine = make_engine(url)
        self._lock = threading.Lock()

    # -- writes ---------------------------------------------------------------------------
    def write(self, batch: Batch) -> bool:
        """Apply ``batch`` in one transaction; False when it was already applied (a retry)."""
        with self._engine.begin() as conn:
            return apply_batch(conn, batch)

    def update_run(self, run_pk: int, **fields: Any) -> None:
        """Edit a run's name, tags, notes, group, job_type, config or summary."""
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if key not in EDITABLE:
                raise ValueError(f"run field {key!r} cannot be edited; editable: {list(EDITABLE)}")
            if key in ("tags", "config", "summary"):
                value = _pack(list(value) if key == "tags" else dict(value))
            values["group_name" if key == "group" else key] = value
        if values:
            with self._engine.begin() as conn:
                conn.execute(update(runs).where(runs.c.id == run_pk).values(**values))

    def delete_run(self, run_pk: int) -> None:
        with self._engine.begin() as conn:
            queries.delete_run(conn, run_pk)

    # -- reads ----------------------------------------------------------------------------
    def get_run(self, project: str, run_id: str, entity: str | None = None) -> RunInfo | None:
        with self._engine.connect().execution_options(**READ) as conn:
            info = queries.get_run(conn, project, run_id, entity)
        if info is not None:
            self._settle([info])
        return info

    def list_runs(self, project: str | None = None, entity: str | None = None,
                  sweep_id: str | None = None) -> list[RunInfo]:
        with self._engine.connect().execution_options(**READ) as conn:
            infos = queries.list_runs(conn, project, entity, sweep_id)
        self._settle(infos)
        return infos

    def list_projects(self) -> list[ProjectInfo]:
        with self._engine.connect().execution_options(**READ) as conn:
            return queries.list_projects(conn)

    def history_keys(self, run_pk: int, stream: int = 0) -> list[str]:
        with self._engine.connect().execution_options(**READ) as conn:
            return queries.history_keys(conn, run_pk, stream)

    def read_series(self, run_pk: int, key: str, stream: int = 0,
                    min_step: int | None = None, max_step: int | None = None) -> Series:
        with self._engine.connect().execution_options(**READ) as conn:
            return queries.read_series(conn, run_pk, key, stream, min_step, max_step)

    def console(self, run_pk: int, after_id: int = 0, limit: int | None = None
                ) -> list[ConsoleLineInfo]:
        with self._engine.connect().execution_options(**READ) as conn:
            return queries.console(conn, run_pk, after_id, limit)

    def files(self, run_pk: int) -> list[FileInfo]:
        with self._engine.connect().execution_options(**READ) as conn:
            return queries.files(conn, run_pk)

    def close(self) -> None:
        self._engine.dispose()

    def _settle(self, infos: list[RunInfo]) -> None:
        """Mark crashed the running runs that stopped beating (only those: a cheap check)."""
        now = time.time()
        if any(queries.is_crashed(info, now) for info in infos):
            with self._engine.begin() as conn:
                queries.mark_crashed(conn, infos)
