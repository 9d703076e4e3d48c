"""Reading runs, projects, history, console lines and files back from the database."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Select, delete, func, select, union, update
from sqlalchemy.engine import Connection, Row

from heron.store import chunks
from heron.store.artifact_apply import forget_run
from heron.store.deep_values import decode_stored
from heron.store.models import ConsoleLineInfo, FileInfo, ProjectInfo, RunInfo, Series
from heron.store.schema import (
    alerts,
    console_lines,
    events,
    history_chunks,
    history_objects,
    projects,
    run_files,
    runs,
)

CRASH_AFTER_BEATS = 4
"""A running run whose last heartbeat is this many intervals old is crashed."""

_unpack = decode_stored  # a value stored nested too deep for msgspec reads back cut


def _run_select() -> Select[Any]:
    return select(runs, projects.c.name.label("project"), projects.c.entity).join(
        projects, projects.c.id == runs.c.project_id
    )


def _to_info(row: Row[Any]) -> RunInfo:
    m = row._mapping
    return RunInfo(
        pk=m["id"], entity=m["entity"], project=m["project"], run_id=m["run_id"],
        name=m["name"], state=m["state"], config=_unpack(m["config"]),
        summary=_unpack(m["summary"]), metrics=_unpack(m["metrics"]), tags=_unpack(m["tags"]),
        metadata=_unpack(m["metadata"]), notes=m["notes"], group=m["group_name"],
        job_type=m["job_type"], sweep_id=m["sweep_id"], user=m["user_name"], host=m["host"],
        pid=m["pid"], created_at=m["created_at"], updated_at=m["updated_at"],
        heartbeat_at=m["heartbeat_at"], heartbeat_interval=m["heartbeat_interval"],
        ended_at=m["ended_at"], exit_code=m["exit_code"], traceback=m["traceback"],
        last_step=m["last_step"], history_rows=m["history_rows"], last_seq=m["last_seq"],
        stop_requested_at=m["stop_requested_at"],
    )


def _process_gone(info: RunInfo) -> bool:
    """The run's process lived on this host and no longer exists."""
    if not info.pid or info.host != socket.gethostname():
        return False
    if info.pid == os.getpid():
        return False
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def is_crashed(info: RunInfo, now: float) -> bool:
    """A running run (or a sweep's reservation never started) whose heartbeats stopped."""
    if info.state not in ("running", "pending"):
        return False
    silent = now - info.heartbeat_at > CRASH_AFTER_BEATS * info.heartbeat_interval
    return silent or _process_gone(info)


def derive_crashed(infos: list[RunInfo], now: float | None = None) -> None:
    """Show as crashed (in ``infos`` only: nothing is written) the running runs whose heartbeats
    stopped, so every read agrees with what ``settle_crashed`` will record."""
    now = time.time() if now is None else now
    for info in infos:
        if is_crashed(info, now):
            info.state = "crashed"


def settle_crashed(conn: Connection, project: str | None = None) -> int:
    """Record as crashed the running (or pending) runs whose heartbeats stopped; how many.

    The one place that writes the crashed state (``SqlStore.settle_crashed``): reads only
    derive it (``derive_crashed``)."""
    query = _run_select().where(runs.c.state.in_(("running", "pending")))
    if project is not None:
        query = query.where(projects.c.name == project)
    now = time.time()
    settled = 0
    for info in (_to_info(row) for row in conn.execute(query)):
        if is_crashed(info, now):
            conn.execute(update(runs).where(runs.c.id == info.pk, runs.c.state == info.state)
                         .values(state="crashed"))
            settled += 1
    return settled


def run_pks(conn: Connection, project: str, ids: list[str], entity: str | None = None
            ) -> dict[str, int]:
    """Run id -> primary key for those of ``ids`` in ``project`` (``entity``'s, ``""``
    included; None: any entity's): one query for them all."""
    query = (select(runs.c.id, runs.c.run_id).join(projects, projects.c.id == runs.c.project_id)
             .where(projects.c.name == project, runs.c.run_id.in_(ids)))
    if entity is not None:
        query = query.where(projects.c.entity == entity)
    return {str(run_id): int(pk) for pk, run_id in conn.execute(query)}


def get_run(
    conn: Connection, project: str, run_id: str, entity: str | None = None
) -> RunInfo | None:
    query = _run_select().where(projects.c.name == project, runs.c.run_id == run_id)
    if entity:
        query = query.where(projects.c.entity == entity)
    row = conn.execute(query).first()
    return _to_info(row) if row is not None else None


def list_runs(
    conn: Connection, project: str | None = None, entity: str | None = None,
    sweep_id: str | None = None,
) -> list[RunInfo]:
    query = _run_select().order_by(runs.c.created_at.desc(), runs.c.id.desc())
    if project is not None:
        query = query.where(projects.c.name == project)
    if entity:
        query = query.where(projects.c.entity == entity)
    if sweep_id is not None:
        query = query.where(runs.c.sweep_id == sweep_id)
    return [_to_info(row) for row in conn.execute(query)]


def list_projects(conn: Connection) -> list[ProjectInfo]:
    latest: ColumnElement[Any] = func.max(runs.c.updated_at).desc()
    if conn.dialect.name == "postgresql":
        latest = latest.nulls_last()  # projects without runs last, where SQLite sorts NULLs
    query = (
        select(projects.c.entity, projects.c.name, projects.c.created_at,
               func.count(runs.c.id), func.max(runs.c.updated_at))
        .select_from(projects.outerjoin(runs, runs.c.project_id == projects.c.id))
        .group_by(projects.c.id)
        .order_by(latest)
    )
    return [ProjectInfo(entity=e, name=n, created_at=c, run_count=k, last_activity=a)
            for e, n, c, k, a in conn.execute(query)]


def history_keys(conn: Connection, run_pk: int, stream: int) -> list[str]:
    q1 = select(history_chunks.c.key).where(history_chunks.c.run_pk == run_pk,
                                            history_chunks.c.stream == stream)
    q2 = select(history_objects.c.key).where(history_objects.c.run_pk == run_pk,
                                             history_objects.c.stream == stream)
    return sorted(row[0] for row in conn.execute(union(q1, q2)))


def read_series(
    conn: Connection, run_pk: int, key: str, stream: int,
    min_step: int | None = None, max_step: int | None = None,
) -> Series:
    """Every point of one metric, in step order, restricted to ``[min_step, max_step)``."""
    # Steps are int64: bounds past that range either bound nothing or leave nothing inside
    # (and would not fit a SQL integer parameter).
    if min_step is not None and min_step <= chunks.INT64_MIN:
        min_step = None
    if max_step is not None and max_step > chunks.INT64_MAX:
        max_step = None
    if (min_step is not None and min_step > chunks.INT64_MAX) or (
            max_step is not None and max_step <= chunks.INT64_MIN):
        return Series(key=key, steps=np.empty(0, dtype=np.int64), values=np.empty(0))
    query = select(history_chunks.c.dtype, history_chunks.c.steps, history_chunks.c.vals).where(
        history_chunks.c.run_pk == run_pk, history_chunks.c.stream == stream,
        history_chunks.c.key == key,
    ).order_by(history_chunks.c.step_min, history_chunks.c.id)
    if min_step is not None:
        query = query.where(history_chunks.c.step_max >= min_step)
    if max_step is not None:
        query = query.where(history_chunks.c.step_min < max_step)
    parts = [chunks.unpack(row.dtype, row.steps, row.vals) for row in conn.execute(query)]
    obj_query = select(history_objects.c.step, history_objects.c.value).where(
        history_objects.c.run_pk == run_pk, history_objects.c.stream == stream,
        history_objects.c.key == key,
    ).order_by(history_objects.c.step, history_objects.c.id)
    if min_step is not None:
        obj_query = obj_query.where(history_objects.c.step >= min_step)
    if max_step is not None:
        obj_query = obj_query.where(history_objects.c.step < max_step)
    objects = [(int(s), chunks.decode_object(v)) for s, v in conn.execute(obj_query)]
    steps, values = chunks.merge(parts, objects)
    # Chunks overlapping the range hold points outside it: trim them.
    if min_step is not None:
        keep = steps >= min_step
        steps, values = steps[keep], values[keep]
    if max_step is not None:
        keep = steps < max_step
        steps, values = steps[keep], values[keep]
    return Series(key=key, steps=steps, values=values)


def key_summary(conn: Connection, run_pk: int, stream: int) -> list[dict[str, Any]]:
    """Each logged key with its kind (number, histogram, image, images, table, other) and count."""
    found: dict[str, dict[str, Any]] = {}
    numeric = (select(history_chunks.c.key, func.sum(history_chunks.c.count))
               .where(history_chunks.c.run_pk == run_pk, history_chunks.c.stream == stream)
               .group_by(history_chunks.c.key))
    for key, count in conn.execute(numeric):
        found[key] = {"key": key, "kind": "number", "count": int(count)}
    others = (select(history_objects.c.key, func.count())
              .where(history_objects.c.run_pk == run_pk, history_objects.c.stream == stream)
              .group_by(history_objects.c.key))
    for key, count in conn.execute(others).all():
        # The kind of the latest values that say one (media keys often log None in between).
        recent = conn.execute(
            select(history_objects.c.value)
            .where(history_objects.c.run_pk == run_pk, history_objects.c.stream == stream,
                   history_objects.c.key == key)
            .order_by(history_objects.c.id.desc()).limit(50)).scalars()
        kinds = [_kind(chunks.decode_object(v)) for v in recent]
        kind = next((k for k in kinds if k != "other"), "other")
        entry = found.setdefault(key, {"key": key, "kind": kind, "count": 0})
        entry["count"] += int(count)
    return sorted(found.values(), key=lambda e: e["key"])


_MEDIA_KINDS = {"histogram": "histogram", "image-file": "image", "images/separated": "images",
                "table-file": "table", "video-file": "video", "audio-file": "audio",
                "html-file": "html", "plotly-file": "plotly",
                # W&B's lists of one kind (heron.media.kind_lists)
                "videos": "video", "audio": "audio", "html": "html"}


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return _MEDIA_KINDS.get(str(value.get("_type")), "other")
    return "other"


def events_after(conn: Connection, after: int, project_id: int | None, run_pk: int | None,
                 limit: int = 200) -> list[tuple[int, int, dict[str, Any]]]:
    """Live-feed events with id > ``after``: (id, run_pk, payload)."""
    query = select(events.c.id, events.c.run_pk, events.c.payload).where(events.c.id > after)
    if project_id is not None:
        query = query.where(events.c.project_id == project_id)
    if run_pk is not None:
        query = query.where(events.c.run_pk == run_pk)
    rows = conn.execute(query.order_by(events.c.id).limit(limit))
    return [(int(i), int(pk), _unpack(p)) for i, pk, p in rows]


def last_event_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one())


def project_id(conn: Connection, name: str, entity: str | None = None) -> int | None:
    """The id of project ``name`` (``entity``'s, ``""`` included; None: the first of that
    name)."""
    query = select(projects.c.id).where(projects.c.name == name)
    if entity is not None:
        query = query.where(projects.c.entity == entity)
    return conn.execute(query.limit(1)).scalar()


def run_by_pk(conn: Connection, run_pk: int) -> RunInfo | None:
    row = conn.execute(_run_select().where(runs.c.id == run_pk)).first()
    return _to_info(row) if row is not None else None


def console(conn: Connection, run_pk: int, after_id: int = 0, limit: int | None = None
            ) -> list[ConsoleLineInfo]:
    if after_id > chunks.INT64_MAX:  # ids are int64: nothing comes after this
        return []
    after_id = max(after_id, 0)
    if limit is not None and limit > chunks.INT64_MAX:
        limit = None
    query = (select(console_lines).where(console_lines.c.run_pk == run_pk,
                                         console_lines.c.id > after_id)
             .order_by(console_lines.c.id))
    if limit is not None:
        query = query.limit(limit)
    return [ConsoleLineInfo(id=row.id, stream=row.stream, timestamp=row.timestamp, text=row.text)
            for row in conn.execute(query)]


def files(conn: Connection, run_pk: int) -> list[FileInfo]:
    name: ColumnElement[Any] = run_files.c.name
    if conn.dialect.name == "postgresql":
        name = name.collate("C")  # byte order, as SQLite sorts, whatever the database's locale
    query = select(run_files).where(run_files.c.run_pk == run_pk).order_by(name)
    return [FileInfo(name=row.name, path=row.path, size=row.size, sha256=row.sha256,
                     updated_at=row.updated_at) for row in conn.execute(query)]


def delete_run(conn: Connection, run_pk: int) -> None:
    if conn.dialect.name == "postgresql":
        # Take the run's row first, as writers do, so a batch being written meanwhile finishes
        # (or waits) instead of deadlocking with the deletes below.
        conn.execute(select(runs.c.id).where(runs.c.id == run_pk).with_for_update())
    for table in (history_chunks, history_objects, console_lines, run_files):
        conn.execute(delete(table).where(table.c.run_pk == run_pk))
    conn.execute(delete(alerts).where(alerts.c.run_pk == run_pk))
    forget_run(conn, run_pk)
    conn.execute(delete(runs).where(runs.c.id == run_pk))
