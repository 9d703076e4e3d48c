"""Sweeps over HTTP: create, hand out runs, stop decisions, pause/resume/stop/cancel.

The controller's errors become statuses in ``heron.server.errors``: an unknown sweep 404, a bad
config or action 422, a state that forbids the change 409."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from heron.server.deps import ReadDep, StoreDep, WriteDep
from heron.server.jsonsafe import SafeJSONResponse
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


@router.post("/sweeps")
async def create(body: NewSweep, store: StoreDep, caller: WriteDep) -> dict[str, str]:
    controller = SweepController(store)
    sweep_id = await _call(controller.create, body.config, body.project, body.entity,
                           body.prior_runs)
    return {"id": sweep_id}


@router.get("/sweeps", response_class=SafeJSONResponse)
async def list_sweeps(store: StoreDep, caller: ReadDep, project: str | None = None) -> Any:
    infos = await _call(SweepController(store).list, project)
    return SafeJSONResponse([{"id": s.id, "project": s.project, "name": s.name,
                              "state": s.state, "created_at": s.created_at,
                              "method": s.config.get("method")} for s in infos])


@router.get("/sweeps/{sweep_id}", response_class=SafeJSONResponse)
async def describe(sweep_id: str, store: StoreDep, caller: ReadDep) -> Any:
    return SafeJSONResponse(await _call(SweepController(store).describe, sweep_id))


@router.post("/sweeps/{sweep_id}/next")
async def next_run(sweep_id: str, body: AgentAsk, store: StoreDep, caller: WriteDep
                   ) -> dict[str, Any]:
    assignment = await _call(SweepController(store).next_run, sweep_id, body.agent)
    return dict(assignment.to_json())


@router.post("/sweeps/{sweep_id}/heartbeat")
async def heartbeat(sweep_id: str, body: Heartbeat, store: StoreDep, caller: WriteDep
                    ) -> dict[str, Any]:
    state, stop = await _call(SweepController(store).runs_to_stop, sweep_id, body.runs)
    return {"state": state, "stop": stop}


@router.post("/sweeps/{sweep_id}/runs/{run_id}/end")
async def end_run(sweep_id: str, run_id: str, body: RunEnded, store: StoreDep, caller: WriteDep
                  ) -> dict[str, str]:
    """An agent's word on how a run ended, for runs that could not record it themselves."""
    state = await _call(SweepController(store).end_run, sweep_id, run_id, body.state,
                        body.exit_code)
    return {"state": state}


@router.post("/sweeps/{sweep_id}/state")
async def change_state(sweep_id: str, body: StateChange, store: StoreDep, caller: WriteDep
                       ) -> dict[str, str]:
    return {"state": await _call(SweepController(store).set_state, sweep_id, body.action)}
