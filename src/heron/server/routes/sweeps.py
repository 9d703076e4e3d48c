"""Sweeps over HTTP: create, hand out runs, stop decisions, pause/resume/stop/cancel.

The controller's errors become statuses in ``heron.server.errors``: an unknown sweep 404, a bad
config or action 422, a state that forbids the change 409."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from heron.errors import PermissionDenied
from heron.server import permissions as p
from heron.server.guard import Guard, ReadGuard, WriteGuard
from heron.server.jsonsafe import SafeJSONResponse
from heron.store.sweep_queries import SweepInfo
from heron.sweeps.controller import SweepController

router = APIRouter()


class NewSweep(BaseModel):
    config: dict[str, Any]
    project: str
    entity: str = ""
    prior_runs: list[str] = []


class AgentAsk(BaseModel):
    agent: str | None = None


class Heartbeat(BaseModel):
    runs: list[str] = []


class StateChange(BaseModel):
    action: str


class RunEnded(BaseModel):
    state: str
    exit_code: int | None = None


async def _call(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` on a worker thread: the controller's transactions block."""
    return await run_in_threadpool(fn, *args)


async def _sweep(guard: Guard, sweep_id: str, need: int) -> SweepInfo:
    """The sweep, if the caller has ``need`` on its project (404 if they do not see it)."""
    sweep: SweepInfo = await _call(SweepController(guard.store).get, sweep_id)
    await _call(guard.sweep, sweep, need)
    return sweep


@router.post("/sweeps")
async def create(body: NewSweep, guard: WriteGuard) -> dict[str, str]:
    await _call(guard.project_for_writing, body.entity, body.project)
    sweep_id = await _call(SweepController(guard.store).create, body.config, body.project,
                           body.entity, body.prior_runs)
    with guard.store.access_session(write=True) as access:
        access.set_sweep_creator(sweep_id, guard.caller.user)
    return {"id": sweep_id}


@router.get("/sweeps", response_class=SafeJSONResponse)
async def list_sweeps(guard: ReadGuard, project: str | None = None) -> Any:
    visible = {(a.entity, a.name) for a in await _call(guard.visible)}
    infos = [s for s in await _call(SweepController(guard.store).list, project)
             if (s.entity, s.project) in visible
             and (guard.entity is None or s.entity == guard.entity)]
    return SafeJSONResponse([{"id": s.id, "project": s.project, "name": s.name,
                              "state": s.state, "created_at": s.created_at,
                              "method": s.config.get("method")} for s in infos])


@router.get("/sweeps/{sweep_id}", response_class=SafeJSONResponse)
async def describe(sweep_id: str, guard: ReadGuard) -> Any:
    await _sweep(guard, sweep_id, p.READ)
    return SafeJSONResponse(await _call(SweepController(guard.store).describe, sweep_id))


@router.post("/sweeps/{sweep_id}/next")
async def next_run(sweep_id: str, body: AgentAsk, guard: WriteGuard) -> dict[str, Any]:
    await _sweep(guard, sweep_id, p.WRITE)
    assignment = await _call(SweepController(guard.store).next_run, sweep_id, body.agent)
    return dict(assignment.to_json())


@router.post("/sweeps/{sweep_id}/heartbeat")
async def heartbeat(sweep_id: str, body: Heartbeat, guard: WriteGuard) -> dict[str, Any]:
    await _sweep(guard, sweep_id, p.WRITE)
    state, stop = await _call(SweepController(guard.store).runs_to_stop, sweep_id, body.runs)
    return {"state": state, "stop": stop}


@router.post("/sweeps/{sweep_id}/runs/{run_id}/end")
async def end_run(sweep_id: str, run_id: str, body: RunEnded, guard: WriteGuard
                  ) -> dict[str, str]:
    """An agent's word on how a run ended, for runs that could not record it themselves."""
    sweep = await _sweep(guard, sweep_id, p.WRITE)
    await _call(guard.run, sweep.project, run_id, p.WRITE, sweep.entity)
    state = await _call(SweepController(guard.store).end_run, sweep_id, run_id, body.state,
                        body.exit_code)
    return {"state": state}


@router.post("/sweeps/{sweep_id}/state")
async def change_state(sweep_id: str, body: StateChange, guard: WriteGuard) -> dict[str, str]:
    """Pause, resume, stop or cancel: the sweep's creator or an owner of its project."""
    sweep = await _sweep(guard, sweep_id, p.READ)
    access = await _call(guard.sweep, sweep)
    with guard.store.access_session() as session:
        creator = session.sweep_creator(sweep_id)
    level = guard.level(access)
    if level < p.OWN and not (level >= p.WRITE and creator and creator == guard.caller.user):
        raise PermissionDenied(f"sweep {sweep_id} was created by {creator or 'someone else'}; "
                               f"only they or an owner of project {sweep.project!r} may "
                               f"{body.action} it")
    state = await _call(SweepController(guard.store).set_state, sweep_id, body.action)
    with guard.store.access_session(write=True) as session:
        session.record(guard.caller.user, f"sweep.{body.action}", sweep_id,
                       {"project": sweep.project, "state": state})
    return {"state": state}
