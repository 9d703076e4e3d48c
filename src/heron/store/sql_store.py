"""``SqlStore``: the ``Store`` implementation over SQLite and PostgreSQL (see ``base``)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from heron.errors import NotFound, StoreError, ValueRejected
from heron.records import Batch
from heron.store import chunks, keys, queries
from heron.store.access import AccessSession
from heron.store.apply import apply_batch
from heron.store.artifact_queries import ArtifactSession
from heron.store.buckets import Buckets
from heron.store.engine import READ, make_engine, sqlite_path
from heron.store.file_listing import find_run_file, list_run_files
from heron.store.locks import FIRST_KEY_LOCK
from heron.store.media_storage import MEDIA_KEY, MediaStorage, media_storage
from heron.store.models import ConsoleLineInfo, FileInfo, ProjectInfo, RunInfo, Series
from heron.store.schema import runs
from heron.store.series import series_in
from heron.store.sweep_session import SqlSweepSession

EDITABLE = ("name", "tags", "notes", "config", "summary", "group", "job_type")


class SqlStore:
    """Runs and their history in a SQL database; media files in a folder beside it.

    Thread-safe as ``heron.store.base`` states: share one per process.

    Example:
        >>> store = open_store("sqlite:///tmp/heron/heron.db")
        >>> [run.name for run in store.list_runs("my_project")]
    """

    def __init__(self, url: str, media_root: Path | str | None = None) -> None:
        """``media_root``: where media bytes live, a folder or ``s3://bucket/prefix``
        (``media_storage``); a SQLite store's default is the database's folder."""
        self.url = url
        path = sqlite_path(url)
        if path is None and not url.startswith(("postgresql", "postgres://")):
            raise ValueRejected(f"unsupported store URL {url!r}: use sqlite:///PATH or "
                                "postgresql://...")
        if media_root is None:
            if path is None:
                raise ValueRejected("a PostgreSQL store needs a media folder or bucket "
                                    "(media_root)")
            media_root = path.parent
        self.media: MediaStorage = media_storage(media_root)
        self.media_root: Path | None = getattr(self.media, "root", None)
        """The media folder of a folder-backed store (None for a bucket)."""
        try:
            self._engine: Engine = make_engine(url)
        except DBAPIError as exc:  # unreachable, refused, or a file that is no database
            raise StoreError(f"cannot open the store: {_reason(exc)}") from exc
        self._lock = threading.Lock()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE, so concurrent writers queue)."""
        with _database_errors(), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read-only connection (SQLite: a deferred BEGIN that locks nothing)."""
        with _database_errors(), self._engine.connect().execution_options(**READ) as conn:
            yield conn

    # -- writes ---------------------------------------------------------------------------
    def write(self, batch: Batch, user: str | None = None) -> bool:
        """Apply ``batch`` in one transaction; False when it was already applied (a retry)."""
        with self._begin() as conn:
            return apply_batch(conn, batch, user)

    def update_run(self, run_pk: int, **fields: Any) -> None:
        """Edit a run's name, tags, notes, group, job_type, config or summary."""
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if key not in EDITABLE:
                raise ValueRejected(f"run field {key!r} cannot be edited; "
                                    f"editable: {list(EDITABLE)}")
            try:
                if key in ("tags", "config", "summary"):
                    # Ints wider than msgpack's 64 bits become floats, as in logged values.
                    value = chunks.encode_object(list(value) if key == "tags" else dict(value))
                elif isinstance(value, str):
                    value.encode()  # what the database driver will do, with a clearer error
            except UnicodeEncodeError as exc:
                raise ValueRejected(f"run field {key!r} holds text that is not valid Unicode "
                                    f"({exc.reason}: {exc.object[exc.start:exc.end]!r})") from None
            values["group_name" if key == "group" else key] = value
        if values:
            with self._begin() as conn:
                conn.execute(update(runs).where(runs.c.id == run_pk).values(**values))

    def request_run_stop(self, run_pk: int) -> bool:
        """Ask the running run ``run_pk`` to stop: its SDK (Heron's or the official wandb
        client) ends the script, and the run ends ``killed``. False when the run is not
        running (a stop of a run that already ended changes nothing)."""
        with self._begin() as conn:
            done = conn.execute(update(runs).where(runs.c.id == run_pk,
                                                   runs.c.state == "running",
                                                   runs.c.stop_requested_at.is_(None))
                                .values(stop_requested_at=time.time()))
            return done.rowcount > 0 or conn.execute(
                select(runs.c.stop_requested_at).where(runs.c.id == run_pk,
                                                       runs.c.state == "running")
            ).scalar() is not None

    def delete_run(self, run_pk: int) -> None:
        with self._begin() as conn:
            queries.delete_run(conn, run_pk)

    # -- reads ----------------------------------------------------------------------------
    def get_run(self, project: str, run_id: str, entity: str | None = None) -> RunInfo | None:
        with self._read() as conn:
            info = queries.get_run(conn, project, run_id, entity)
        if info is not None:
            queries.derive_crashed([info])
        return info

    def list_runs(self, project: str | None = None, entity: str | None = None,
                  sweep_id: str | None = None) -> list[RunInfo]:
        with self._read() as conn:
            infos = queries.list_runs(conn, project, entity, sweep_id)
        queries.derive_crashed(infos)
        return infos

    def list_projects(self) -> list[ProjectInfo]:
        with self._read() as conn:
            return queries.list_projects(conn)

    def history_keys(self, run_pk: int, stream: int = 0) -> list[str]:
        with self._read() as conn:
            return queries.history_keys(conn, run_pk, stream)

    def read_series(self, run_pk: int, key: str, stream: int = 0,
                    min_step: int | None = None, max_step: int | None = None) -> Series:
        with self._read() as conn:
            return queries.read_series(conn, run_pk, key, stream, min_step, max_step)

    def console(self, run_pk: int, after_id: int = 0, limit: int | None = None
                ) -> list[ConsoleLineInfo]:
        with self._read() as conn:
            return queries.console(conn, run_pk, after_id, limit)

    def files(self, run_pk: int) -> list[FileInfo]:
        """The files saved with ``save()``, by name."""
        with self._read() as conn:
            return queries.files(conn, run_pk)

    def run_files(self, run_pk: int) -> list[FileInfo]:
        """Every file of the run as W&B lists it: saved files, logged media under their W&B
        names (``media/images/<key>_<step>_<hash>.png``...), ``config.yaml``,
        ``wandb-summary.json``, ``wandb-metadata.json`` and ``output.log``."""
        with self._read() as conn:
            info = queries.run_by_pk(conn, run_pk)
            if info is None:
                return []
            return list_run_files(conn, info, self.media)

    def run_file(self, run_pk: int, name: str) -> FileInfo | None:
        """One file of ``run_files`` by name (or by a media reference's stored path), without
        listing them all when the name says which history row holds it."""
        with self._read() as conn:
            info = queries.run_by_pk(conn, run_pk)
            if info is None:
                return None
            return find_run_file(conn, info, self.media, name)

    def file_url(self, run_pk: int, name: str) -> str:
        """A URL of one of the run's stored files: ``file://`` in a folder, a presigned URL
        in a bucket ("" for one made from its data)."""
        info = self.run_file(run_pk, name)
        if info is None or not info.path:
            return ""
        local = self.media.local_path(info.path)  # refuses anything but a media key
        if local is not None:
            return local.as_uri()
        return self.media.download_url(info.path, info.name, "application/octet-stream",
                                       "attachment") or ""

    def copy_file(self, run_pk: int, name: str, target: Path) -> None:
        """Write one of the run's files to ``target`` (see ``RunAccess.copy_file``)."""
        info = self.run_file(run_pk, name)
        if info is None:
            raise NotFound(f"the run has no file {name!r}")
        if info.content is not None:
            target.write_bytes(info.content)
        else:
            self.copy_media(info.path, target)

    def key_summary(self, run_pk: int, stream: int = 0) -> list[dict[str, Any]]:
        with self._read() as conn:
            return queries.key_summary(conn, run_pk, stream)

    def series(self, run_pk: int, key: str, x: str = "_step", points: int = 1000,
               x_min: float | None = None, x_max: float | None = None, stream: int = 0,
               after: int | None = None) -> tuple[Buckets, int]:
        """One metric bucketed for a chart (or, with ``after``, its raw points from that step),
        and the cursor to pass as ``after`` for what comes next."""
        with self._read() as conn:
            return series_in(conn, run_pk, key, x, points, x_min, x_max, stream, after)

    def events_after(self, after: int, project: str | None = None, run_id: str | None = None,
                     limit: int = 200, entity: str | None = None
                     ) -> list[tuple[int, int, dict[str, Any]]]:
        """Live-feed events after ``after``, of ``project`` (``entity``'s, ``""`` included;
        None: the first project of that name) and of one run of it."""
        with self._read() as conn:
            project_id = (queries.project_id(conn, project, entity) if project is not None
                          else None)
            if project is not None and project_id is None:
                return []
            run_pk = None
            if run_id is not None and project is not None:
                info = queries.get_run(conn, project, run_id, entity)
                if info is None or (entity is not None and info.entity != entity):
                    return []
                run_pk = info.pk
            return queries.events_after(conn, after, project_id, run_pk, limit)

    def last_event_id(self) -> int:
        with self._read() as conn:
            return queries.last_event_id(conn)

    def run_by_pk(self, run_pk: int) -> RunInfo | None:
        with self._read() as conn:
            return queries.run_by_pk(conn, run_pk)

    def project_series(self, project: str, run_ids: list[str], key: str, x: str = "_step",
                       points: int = 1000, x_min: float | None = None,
                       x_max: float | None = None, stream: int = 0,
                       entity: str | None = None
                       ) -> tuple[list[tuple[str, Buckets, int]], list[str]]:
        """``series`` of many runs of ``project`` (``entity``'s, ``""`` included; None: any
        entity's) in one read: (run id, buckets, cursor) for each run found, in the order
        asked, and the ids not found."""
        results: list[tuple[str, Buckets, int]] = []
        with self._read() as conn:
            pks = queries.run_pks(conn, project, run_ids, entity)
            for run_id in run_ids:
                if run_id in pks:
                    buckets, cursor = series_in(conn, pks[run_id], key, x, points, x_min, x_max,
                                                stream)
                    results.append((run_id, buckets, cursor))
        return results, [run_id for run_id in run_ids if run_id not in pks]

    # -- crashed runs ---------------------------------------------------------------------
    def settle_crashed(self, project: str | None = None) -> int:
        """Record as crashed the running runs whose heartbeats stopped (or whose process on
        this host is gone); how many. Reads only show them crashed: this is the one writer,
        called by the server every ``SETTLE_SECONDS`` (and by anyone who wants it stored)."""
        with self._begin() as conn:
            return queries.settle_crashed(conn, project)

    # -- sweeps ---------------------------------------------------------------------------
    @contextmanager
    def sweep_session(self, write: bool = True) -> Iterator[SqlSweepSession]:
        """One transaction for the sweep controller (see ``base.Store.sweep_session``)."""
        with self._begin() if write else self._read() as conn:
            yield SqlSweepSession(conn)

    # -- artifacts ----------------------------------------------------------------------------
    def copy_media(self, rel: str, target: Path) -> None:
        """Copy the stored media file ``rel`` (``media/...``) to ``target``, streamed."""
        if not MEDIA_KEY.match(rel):  # a record's path comes from a client
            raise ValueRejected(f"stored path {rel[:200]!r} is outside the media folder; "
                                "not reading it")
        with self.media.open(rel) as source:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            with tmp.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
        tmp.replace(target)


    @contextmanager
    def artifact_session(self, write: bool = False) -> Iterator[ArtifactSession]:
        """Artifact versions, collections, lineage and edits in one transaction
        (``write=True`` for edits and deletes)."""
        with self._begin() if write else self._read() as conn:
            yield ArtifactSession(conn)

    # -- users' rights ---------------------------------------------------------------------
    @contextmanager
    def access_session(self, write: bool = False) -> Iterator[AccessSession]:
        """Users, teams, project access, sessions and the audit trail in one transaction
        (``write=True`` for changes; committed when the block ends)."""
        with self._begin() if write else self._read() as conn:
            yield AccessSession(conn)

    # -- API keys -------------------------------------------------------------------------
    def create_key(self, user: str, admin: bool = False,
                   role: str | None = None) -> tuple[str, keys.KeyInfo]:
        with self._begin() as conn:
            return keys.create_key(conn, user, admin, role)

    def create_first_key(self, user: str = "admin") -> str | None:
        """An admin key if the store has no key yet (replicas starting together make one)."""
        with self._begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": FIRST_KEY_LOCK})
            if keys.has_keys(conn):
                return None
            return keys.create_key(conn, user, admin=True)[0]

    def list_keys(self) -> list[keys.KeyInfo]:
        with self._read() as conn:
            return keys.list_keys(conn)

    def revoke_key(self, key_id: int) -> bool:
        with self._begin() as conn:
            return keys.revoke_key(conn, key_id)

    def check_key(self, key: str) -> keys.KeyInfo | None:
        with self._read() as conn:
            return keys.check_key(conn, key)

    def has_keys(self) -> bool:
        with self._read() as conn:
            return keys.has_keys(conn)

    def close(self) -> None:
        self._engine.dispose()



def _reason(exc: DBAPIError) -> str:
    return str(exc.orig or exc).strip().splitlines()[0][:300]


@contextmanager
def _database_errors() -> Iterator[None]:
    """The database unreachable or failing: ``StoreError`` (retrying later may help), the
    same on every backend, instead of a driver's own exception."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise StoreError(f"the store failed: {_reason(exc)}") from exc
