"""SQL for sweeps: create, read with their runs, reserve a run, record stop requests and ends."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.engine import Connection

from heron.store import chunks, queries
from heron.store.apply import is_postgres, project_pk
from heron.store.deep_values import decode_stored
from heron.store.locks import EVENTS_LOCK
from heron.store.models import RunInfo
from heron.store.schema import events, history_chunks, projects, runs
from heron.store.sweep_tables import sweep_runs, sweeps

_pack = chunks.encode_object
_unpack = decode_stored  # a value stored nested too deep for msgspec reads back cut


@dataclasses.dataclass
class SweepInfo:
    id: str
    project: str
    entity: str
    name: str | None
    config: dict[str, Any]
    state: str
    created_at: float
    updated_at: float


@dataclasses.dataclass
class SweepRunInfo:
    """One run of a sweep, as the controller needs it."""

    run_pk: int
    run_id: str
    state: str
    params: dict[str, Any]
    summary: dict[str, Any]
    metric: list[float]
    stop_requested: bool
    agent: str | None
    name: str
    created_at: float


def _info(row: Any) -> SweepInfo:
    return SweepInfo(id=row.id, project=row.project, entity=row.entity, name=row.name,
                     config=_unpack(row.config), state=row.state, created_at=row.created_at,
                     updated_at=row.updated_at)


def _select() -> Any:
    return select(sweeps, projects.c.name.label("project"), projects.c.entity).join(
        projects, projects.c.id == sweeps.c.project_id)


def create_sweep(conn: Connection, sweep_id: str, project: str, entity: str,
                 config: dict[str, Any], name: str | None) -> None:
    now = time.time()
    conn.execute(insert(sweeps).values(
        id=sweep_id, project_id=project_pk(conn, entity, project), name=name,
        config=_pack(config), state="PENDING", created_at=now, updated_at=now))


def get_sweep(conn: Connection, sweep_id: str, lock: bool = False) -> SweepInfo | None:
    query = _select().where(sweeps.c.id == sweep_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=sweeps)
    row = conn.execute(query).first()
    return _info(row) if row is not None else None


def list_sweeps(conn: Connection, project: str | None = None) -> list[SweepInfo]:
    query = _select().order_by(sweeps.c.created_at.desc())
    if project is not None:
        query = query.where(projects.c.name == project)
    return [_info(row) for row in conn.execute(query)]


def set_state(conn: Connection, sweep_id: str, state: str) -> None:
    conn.execute(update(sweeps).where(sweeps.c.id == sweep_id)
                 .values(state=state, updated_at=time.time()))


def sweep_run_infos(conn: Connection, sweep_id: str, metric: str | None) -> list[SweepRunInfo]:
    """Every run of the sweep (reserved or attached), with the metric's logged values."""
    infos = _sweep_runs(conn, sweep_id)
    queries.derive_crashed(infos)
    reserved = {row.run_pk: row for row in conn.execute(
        select(sweep_runs).where(sweep_runs.c.sweep_id == sweep_id))}
    values: dict[int, list[np.ndarray]] = {}
    if metric is not None and infos:
        query = (select(history_chunks.c.run_pk, history_chunks.c.dtype,
                        history_chunks.c.steps, history_chunks.c.vals)
                 .join(runs, runs.c.id == history_chunks.c.run_pk)
                 .where(runs.c.sweep_id == sweep_id, history_chunks.c.stream == 0,
                        history_chunks.c.key == metric)
                 .order_by(history_chunks.c.run_pk, history_chunks.c.step_min))
        for row in conn.execute(query):
            _, vals = chunks.unpack(row.dtype, row.steps, row.vals)
            values.setdefault(row.run_pk, []).append(vals)
    out = []
    for info in infos:
        reservation = reserved.get(info.pk)
        params = _unpack(reservation.params) if reservation is not None else dict(info.config)
        metric_values = np.concatenate(values[info.pk]).astype(float).tolist() if (
            info.pk in values) else []
        out.append(SweepRunInfo(
            run_pk=info.pk, run_id=info.run_id, state=info.state, params=params,
            summary=info.summary, metric=metric_values,
            stop_requested=bool(reservation.stop_requested) if reservation is not None else False,
            agent=reservation.agent if reservation is not None else None, name=info.name,
            created_at=info.created_at))
    return out


_LIGHT = ("metadata", "metrics", "tags")
"""Columns the controller never reads: not fetched nor decoded on every reservation."""


def _sweep_runs(conn: Connection, sweep_id: str) -> list[RunInfo]:
    """The sweep's runs as ``queries.list_runs`` gives them, less the columns in ``_LIGHT``
    (left empty): a reservation reads every run of the sweep, so this is its main cost."""
    columns = [c for c in runs.c if c.name not in _LIGHT]
    query = (select(*columns, projects.c.name.label("project"), projects.c.entity)
             .join(projects, projects.c.id == runs.c.project_id)
             .where(runs.c.sweep_id == sweep_id)
             .order_by(runs.c.created_at.desc(), runs.c.id.desc()))
    out = []
    for row in conn.execute(query):
        m = row._mapping
        out.append(RunInfo(
            pk=m["id"], entity=m["entity"], project=m["project"], run_id=m["run_id"],
            name=m["name"], state=m["state"], config=_unpack(m["config"]),
            summary=_unpack(m["summary"]), metrics={}, tags=[], metadata={}, notes=m["notes"],
            group=m["group_name"], job_type=m["job_type"], sweep_id=m["sweep_id"],
            user=m["user_name"], host=m["host"], pid=m["pid"], created_at=m["created_at"],
            updated_at=m["updated_at"], heartbeat_at=m["heartbeat_at"],
            heartbeat_interval=m["heartbeat_interval"], ended_at=m["ended_at"],
            exit_code=m["exit_code"], traceback=m["traceback"], last_step=m["last_step"],
            history_rows=m["history_rows"], last_seq=m["last_seq"],
            stop_requested_at=m["stop_requested_at"]))
    return out


def reserve(conn: Connection, sweep: SweepInfo, run_id: str, name: str,
            params: dict[str, Any], agent: str | None) -> int:
    """Create the run (state pending, its config the parameters) and record the reservation."""
    now = time.time()
    empty = _pack({})
    result = conn.execute(insert(runs).values(
        project_id=project_pk(conn, sweep.entity, sweep.project), run_id=run_id, name=name,
        state="pending", config=_pack(params), summary=empty, metrics=empty,
        tags=_pack([]), metadata=empty, sweep_id=sweep.id, created_at=now, updated_at=now,
        heartbeat_at=now, heartbeat_interval=30.0, last_step=-1, history_rows=0, last_seq=0))
    run_pk = int(result.inserted_primary_key[0])  # type: ignore[index]
    conn.execute(insert(sweep_runs).values(sweep_id=sweep.id, run_pk=run_pk,
                                           params=_pack(params), agent=agent, created_at=now,
                                           stop_requested=0))
    return run_pk


def attach(conn: Connection, sweep_id: str, run_pk: int, params: dict[str, Any]) -> None:
    """Count an existing run as one of the sweep's (``prior_runs``)."""
    conn.execute(update(runs).where(runs.c.id == run_pk).values(sweep_id=sweep_id))
    conn.execute(insert(sweep_runs).values(sweep_id=sweep_id, run_pk=run_pk, params=_pack(params),
                                           agent=None, created_at=time.time(),
                                           stop_requested=0))


def request_stop(conn: Connection, sweep_id: str, run_pks: list[int]) -> None:
    if run_pks:
        conn.execute(update(sweep_runs).where(sweep_runs.c.sweep_id == sweep_id,
                                              sweep_runs.c.run_pk.in_(run_pks))
                     .values(stop_requested=1))


def stop_requested(conn: Connection, sweep_id: str, run_ids: list[str]) -> list[str]:
    """Which of ``run_ids`` already have a stop request, the controller's or one asked for the
    run itself (``SqlStore.request_run_stop``): a cheap read, no decision made."""
    if not run_ids:
        return []
    query = (select(runs.c.run_id).join(sweep_runs, sweep_runs.c.run_pk == runs.c.id)
             .where(sweep_runs.c.sweep_id == sweep_id,
                    or_(sweep_runs.c.stop_requested != 0, runs.c.stop_requested_at.is_not(None)),
                    runs.c.run_id.in_(run_ids)))
    return [str(row.run_id) for row in conn.execute(query)]


OPEN_STATES = ("pending", "running", "crashed")
"""States an agent's word may replace: the run never started, or stopped without saying so."""


def end_reservation(conn: Connection, sweep_id: str, run_id: str, state: str,
                    exit_code: int | None) -> str | None:
    """Record that the sweep's run ``run_id`` ended with ``state``, unless the run already
    recorded its own end; the run's state afterwards (None: no such run in the sweep)."""
    row = conn.execute(select(runs.c.id, runs.c.state, runs.c.project_id)
                       .where(runs.c.sweep_id == sweep_id, runs.c.run_id == run_id)).first()
    if row is None:
        return None
    if row.state not in OPEN_STATES:
        return str(row.state)
    now = time.time()
    conn.execute(update(runs).where(runs.c.id == row.id).values(
        state=state, exit_code=exit_code, ended_at=now, updated_at=now))
    if is_postgres(conn):  # the live feed's ids must commit in order (see apply._record_event)
        conn.execute(select(func.pg_advisory_xact_lock(EVENTS_LOCK)))
    conn.execute(insert(events).values(project_id=row.project_id, run_pk=row.id, created_at=now,
                                       payload=_pack({"run": True})))
    return state
