"""Applying one ``Batch`` of records to the database inside one transaction."""

from __future__ import annotations

import getpass
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from heron import records as r
from heron.store import chunks
from heron.store.artifact_apply import apply_artifacts
from heron.store.locks import EVENTS_LOCK
from heron.store.models import STREAM_HISTORY, STREAM_SYSTEM
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
from heron.store.validate import BatchRejected, check_batch

OPEN_CHUNK_POINTS = 2048
"""A metric's last chunk keeps taking points until it holds this many (slow loggers' small
flushes merge into few chunks, so reads stay a handful of rows)."""

_pack = chunks.encode_object  # msgpack that survives ints wider than 64 bits




def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def project_pk(conn: Connection, entity: str, name: str) -> int:
    query = select(projects.c.id).where(projects.c.entity == entity, projects.c.name == name)
    row = conn.execute(query).first()
    if row is not None:
        return int(row[0])
    values = {"entity": entity, "name": name, "created_at": time.time()}
    if is_postgres(conn):
        # Writers run concurrently on PostgreSQL: two may create the project at once. The
        # loser waits for the winner's commit and then reads its row.
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        made = conn.execute(
            pg_insert(projects).values(**values)
            .on_conflict_do_nothing(index_elements=["entity", "name"])
            .returning(projects.c.id)
        ).scalar()
        return int(made if made is not None else conn.execute(query).scalar_one())
    result = conn.execute(insert(projects).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def find_run(conn: Connection, project: str, run_id: str, entity: str | None,
             lock: bool = False) -> Any:
    """The run's pk, last_seq and state; ``lock`` holds its row until commit on PostgreSQL
    (SQLite writers already hold the whole database from BEGIN IMMEDIATE)."""
    query = (
        select(runs.c.id, runs.c.last_seq, runs.c.state)
        .join(projects, projects.c.id == runs.c.project_id)
        .where(projects.c.name == project, runs.c.run_id == run_id)
    )
    if entity:
        query = query.where(projects.c.entity == entity)
    if lock and is_postgres(conn):
        # One writer per run at a time: the seq check, chunk merging and file upserts below
        # read and then write, so two batches of one run (a retry on another replica) queue.
        query = query.with_for_update(of=runs, key_share=True)
    return conn.execute(query).first()


def _new_run(conn: Connection, batch: r.Batch, start: r.RunStart | None,
             now: float) -> int | None:
    """Insert the run; None on PostgreSQL when a concurrent batch created it first."""
    entity = batch.entity or (start.entity if start else "")
    values: dict[str, Any] = {
        "project_id": project_pk(conn, entity, batch.project),
        "run_id": batch.run_id,
        "name": start.name if start else batch.run_id,
        "state": "running",
        "config": _pack({}),
        "summary": _pack({}),
        "metrics": _pack({}),
        "tags": _pack([]),
        "metadata": _pack({}),
        "created_at": start.started_at if start and start.started_at else now,
        "updated_at": now,
        "heartbeat_at": now,
        "heartbeat_interval": start.heartbeat_interval if start else 30.0,
        "last_step": -1,
        "history_rows": 0,
        "last_seq": 0,
    }
    if is_postgres(conn):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        made = conn.execute(
            pg_insert(runs).values(**values)
            .on_conflict_do_nothing(index_elements=["project_id", "run_id"])
            .returning(runs.c.id)
        ).scalar()
        return None if made is None else int(made)
    result = conn.execute(insert(runs).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


LIVE_ROWS_LIMIT = 500
"""Batches with more history rows than this reach the live feed as a step range to fetch."""
EVENTS_KEPT_SECONDS = 3600.0

_RUN_CHANGES = (r.RunStart, r.RunPatch, r.ConfigSet, r.SummarySet, r.MetricsSet, r.RunEnd)


def apply_batch(conn: Connection, batch: r.Batch, user: str | None = None) -> bool:
    """Write ``batch``; False (and nothing written) when its ``seq`` was already applied.

    Raises ``BatchRejected`` (a ``ValueError``), writing nothing, for values no table can keep.

    ``user`` (the owner of the API key that sent it) overrides the user the client claims.
    """
    check_batch(batch)
    now = time.time()
    # History rows are most of a batch: split them off once, so every other pass is short.
    history: list[r.HistoryRow] = []
    others: list[r.Record] = []
    for rec in batch.records:
        if type(rec) is r.HistoryRow:
            history.append(rec)
        else:
            others.append(rec)
    start = next((rec for rec in others if isinstance(rec, r.RunStart)), None)
    found = find_run(conn, batch.project, batch.run_id, batch.entity or None, lock=True)
    new_pk = _new_run(conn, batch, start, now) if found is None else None
    if found is None and new_pk is None:  # PostgreSQL: created meanwhile by another writer
        found = find_run(conn, batch.project, batch.run_id, batch.entity or None, lock=True)
    if found is None:
        assert new_pk is not None
        run_pk = new_pk
    else:
        run_pk = int(found.id)
        if batch.seq and batch.seq <= found.last_seq:
            return False
    fields: dict[str, Any] = {"updated_at": now, "heartbeat_at": now}
    if batch.seq:
        fields["last_seq"] = batch.seq
    system: list[r.SystemSample] = []
    lines: list[dict[str, Any]] = []  # console lines written, with their ids (the live feed's)
    pending: list[dict[str, Any]] = []  # console lines to append, in order
    artifact_records: list[r.ArtifactLog | r.ArtifactUse] = []
    for rec in others:
        if isinstance(rec, r.SystemSample):
            system.append(rec)
        elif isinstance(rec, r.ConsoleLine):
            line = {"run_pk": run_pk, "stream": rec.stream, "timestamp": rec.timestamp,
                    "text": rec.text}
            if rec.index is None:
                pending.append(line)
            else:  # earlier lines first: the index may name one of them
                lines.extend(_insert_lines(conn, run_pk, pending))
                pending = []
                lines.extend(_replace_line(conn, run_pk, rec.index, line))
        elif isinstance(rec, r.RunStart):
            fields.update(_start_fields(rec))
            if user is not None:
                fields["user_name"] = user
        elif isinstance(rec, r.RunPatch):
            if rec.name is not None:
                fields["name"] = rec.name
            if rec.tags is not None:
                fields["tags"] = _pack(rec.tags)
            if rec.notes is not None:
                fields["notes"] = rec.notes
            if rec.metadata is not None:
                fields["metadata"] = _pack(rec.metadata)
        elif isinstance(rec, r.ConfigSet):
            fields["config"] = _pack(rec.config)
        elif isinstance(rec, r.SummarySet):
            fields["summary"] = _pack(rec.summary)
        elif isinstance(rec, r.MetricsSet):
            fields["metrics"] = _pack(rec.metrics)
        elif isinstance(rec, r.RunEnd):
            fields.update(state=rec.state, exit_code=rec.exit_code, ended_at=rec.ended_at,
                          traceback=rec.traceback)
        elif isinstance(rec, r.Heartbeat):
            # A late heartbeat revives a run that was declared crashed.
            if found is not None and found.state == "crashed" and "state" not in fields:
                fields["state"] = "running"
        elif isinstance(rec, r.FileSaved):
            _upsert_file(conn, run_pk, rec, now)
        elif isinstance(rec, r.Alert):
            conn.execute(insert(alerts).values(run_pk=run_pk, title=rec.title, text=rec.text,
                                               level=rec.level, timestamp=rec.timestamp))
        elif isinstance(rec, (r.ArtifactLog, r.ArtifactUse)):
            artifact_records.append(rec)
    if history:
        steps = [h.step for h in history]
        write_points(conn, run_pk, STREAM_HISTORY, steps, [h.row for h in history])
        greatest = func.greatest if is_postgres(conn) else func.max
        fields["last_step"] = greatest(runs.c.last_step, max(steps))
        fields["history_rows"] = runs.c.history_rows + len(history)
    if system:
        write_points(conn, run_pk, STREAM_SYSTEM, [s.index for s in system],
                     [s.row for s in system])
    lines.extend(_insert_lines(conn, run_pk, pending))
    if artifact_records:
        apply_artifacts(conn, run_pk, artifact_records, now)
    conn.execute(update(runs).where(runs.c.id == run_pk).values(**fields))
    _record_event(conn, run_pk, others, history, lines, revived="state" in fields, now=now)
    return True


def _insert_lines(conn: Connection, run_pk: int, lines: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
    """Append console lines; them with their ids. The run's writers are serialised (SQLite's
    one writer, PostgreSQL's lock on the run's row), so its last ids are these lines'."""
    if not lines:
        return []
    conn.execute(insert(console_lines), lines)
    ids = conn.execute(select(console_lines.c.id).where(console_lines.c.run_pk == run_pk)
                       .order_by(console_lines.c.id.desc()).limit(len(lines))).scalars().all()
    return [{**line, "id": int(line_id)} for line, line_id in zip(lines, reversed(ids))]


def _replace_line(conn: Connection, run_pk: int, index: int, line: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """Put ``line`` in place of the run's ``index``-th console line (appended when there is
    none); what changed, for the live feed: nothing when the line already reads so."""
    if not 0 <= index <= chunks.INT64_MAX:
        raise BatchRejected(f"console line index {index} must be between 0 and "
                            f"{chunks.INT64_MAX}")
    line_id = conn.execute(select(console_lines.c.id).where(console_lines.c.run_pk == run_pk)
                           .order_by(console_lines.c.id).offset(index).limit(1)).scalar()
    if line_id is None:
        return _insert_lines(conn, run_pk, [line])
    changed = conn.execute(
        update(console_lines)
        .where(console_lines.c.id == line_id,
               (console_lines.c.text != line["text"]) | (console_lines.c.stream != line["stream"])
               | (console_lines.c.timestamp != line["timestamp"]))
        .values(stream=line["stream"], timestamp=line["timestamp"], text=line["text"]))
    return [{**line, "id": int(line_id)}] if changed.rowcount else []


def _record_event(conn: Connection, run_pk: int, others: list[r.Record],
                  history: list[r.HistoryRow], lines: list[dict[str, Any]], revived: bool,
                  now: float) -> None:
    """What the live feed tells open dashboards about a batch (same transaction);
    ``others`` are its records that are not history rows."""
    changed = revived or any(isinstance(rec, _RUN_CHANGES) for rec in others)
    if not (changed or history or lines):
        return
    payload: dict[str, Any] = {"run": changed}
    if history:
        if len(history) <= LIVE_ROWS_LIMIT:
            payload["history"] = [h.row | {"_step": h.step} for h in history]
        else:
            payload["history_range"] = [history[0].step, history[-1].step]
    if lines:
        payload["console"] = [{k: v for k, v in line.items() if k != "run_pk"} for line in lines]
    project_id = conn.execute(select(runs.c.project_id).where(runs.c.id == run_pk)).scalar_one()
    if is_postgres(conn):
        # The live feed reads "events with id > cursor". PostgreSQL hands out ids at insert but
        # transactions commit in any order, so a reader could see id 11 before id 10 commits
        # and skip 10 for good. Holding this lock from the insert to the commit makes ids
        # commit in order (SQLite writers are serialised anyway).
        conn.execute(select(func.pg_advisory_xact_lock(EVENTS_LOCK)))
    result = conn.execute(insert(events).values(project_id=project_id, run_pk=run_pk,
                                                created_at=now, payload=_pack(payload)))
    event_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    if event_id % 500 == 0:
        conn.execute(delete(events).where(events.c.created_at < now - EVENTS_KEPT_SECONDS))


def _start_fields(start: r.RunStart) -> dict[str, Any]:
    meta = start.metadata
    fields: dict[str, Any] = {
        "name": start.name,
        "state": "running",
        "config": _pack(start.config),
        "tags": _pack(list(start.tags)),
        "metadata": _pack(meta),
        "notes": start.notes,
        "group_name": start.group,
        "job_type": start.job_type,
        "sweep_id": start.sweep_id,
        # Metadata is the client's free-form dict: keep only values of the columns' types.
        "user_name": _text_or_none(meta.get("user")) or getpass.getuser(),
        "host": _text_or_none(meta.get("host")),
        "pid": _pid_or_none(meta.get("pid")),
        "heartbeat_interval": start.heartbeat_interval,
        "ended_at": None,
        "exit_code": None,
        "traceback": None,
        "stop_requested_at": None,  # a resumed run is not stopped by an old request
    }
    if not start.resumed and start.started_at:
        fields["created_at"] = start.started_at
    return fields


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _pid_or_none(value: Any) -> int | None:
    if type(value) is int and chunks.INT64_MIN <= value <= chunks.INT64_MAX:
        return value
    return None


def _upsert_file(conn: Connection, run_pk: int, rec: r.FileSaved, now: float) -> None:
    values = {"path": rec.path, "size": rec.size, "sha256": rec.sha256, "updated_at": now}
    done = conn.execute(
        update(run_files).where(run_files.c.run_pk == run_pk, run_files.c.name == rec.name)
        .values(**values)
    )
    if done.rowcount == 0:
        conn.execute(insert(run_files).values(run_pk=run_pk, name=rec.name, **values))


def write_points(
    conn: Connection, run_pk: int, stream: int, steps: Sequence[int],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Store rows as per-key chunks (numbers) and objects (everything else)."""
    objects: list[dict[str, Any]] = []
    new_chunks: list[dict[str, Any]] = []
    open_chunks = _open_chunks(conn, run_pk, stream)
    for key, segments in chunks.columnarise(steps, rows).items():
        if key == "_step":
            continue
        for kind, seg_steps, seg_values in segments:
            if kind == "o":
                objects.extend(
                    {"run_pk": run_pk, "stream": stream, "key": key, "step": s,
                     "value": chunks.encode_object(v)}
                    for s, v in zip(seg_steps.tolist(), seg_values)
                )
                continue
            last = open_chunks.pop(key, None)
            if (last is not None and last.dtype == kind and last.count < OPEN_CHUNK_POINTS
                    and last.step_max <= seg_steps[0]):
                _extend_chunk(conn, last.id, kind, seg_steps, seg_values)
                continue
            new_chunks.append({
                "run_pk": run_pk, "stream": stream, "key": key,
                "step_min": int(seg_steps.min()), "step_max": int(seg_steps.max()),
                "count": len(seg_steps), "dtype": kind,
                "steps": seg_steps.astype("<i8").tobytes(),
                "vals": np.asarray(seg_values).astype("<" + kind).tobytes(),
            })
    if new_chunks:
        conn.execute(insert(history_chunks), new_chunks)
    if objects:
        conn.execute(insert(history_objects), objects)


def _open_chunks(conn: Connection, run_pk: int, stream: int) -> dict[str, Any]:
    """The last chunk of each key of the run, without its arrays."""
    last_ids = (
        select(func.max(history_chunks.c.id))
        .where(history_chunks.c.run_pk == run_pk, history_chunks.c.stream == stream)
        .group_by(history_chunks.c.key)
    )
    result = conn.execute(
        select(history_chunks.c.id, history_chunks.c.key, history_chunks.c.count,
               history_chunks.c.dtype, history_chunks.c.step_max)
        .where(history_chunks.c.id.in_(last_ids))
    )
    return {row.key: row for row in result}


def _extend_chunk(
    conn: Connection, chunk_id: int, kind: str, steps: np.ndarray, values: Any
) -> None:
    old = conn.execute(
        select(history_chunks.c.steps, history_chunks.c.vals)
        .where(history_chunks.c.id == chunk_id)
    ).one()
    old_steps, old_values = chunks.unpack(kind, old.steps, old.vals)
    all_steps = np.concatenate([old_steps, steps.astype("<i8")])
    all_values = np.concatenate([old_values, np.asarray(values).astype("<" + kind)])
    conn.execute(
        update(history_chunks).where(history_chunks.c.id == chunk_id).values(
            steps=all_steps.tobytes(), vals=all_values.tobytes(), count=len(all_steps),
            step_min=int(all_steps.min()), step_max=int(all_steps.max()),
        )
    )
