"""The official client's sweep agents (``wandb.agent`` and ``wandb agent``): ``CreateAgent``
and the ``agentHeartbeat`` loop, answered by Heron's sweep controller.

The server keeps no agent state of its own: the agent's id names its sweep and the name its
reservations are recorded under (``sweep_runs.agent``), so any replica answers any heartbeat.
Each heartbeat tells which runs the agent still runs (``runState``); the answer is a JSON list
of commands: ``stop`` for those the controller stops (hyperband, a cancelled sweep), else, for
an idle agent, ``run`` with the next reserved run, ``exit`` when the sweep is over, ``[]`` to
wait (paused). An agent gets one run at a time, as W&B's do: both client agents would start
every ``run`` they are handed at once.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from heron.server import permissions as p
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.shapes import text
from heron.server.wandb.sweep_shapes import find_sweep, input_of
from heron.store.sweep_queries import SweepInfo
from heron.sweeps.controller import SweepController

DONE_STATES = ("FINISHED", "CANCELED")
"""Sweep states in which an idle agent is told to exit."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def agent_id(sweep_id: str, name: str) -> str:
    return f"{sweep_id}:{name}"


def parse_agent_id(value: Any) -> tuple[str, str]:
    """(sweep id, agent name) of an id ``create_agent`` made."""
    given = text(value, "agent id") or ""
    sweep_id, _, name = given.partition(":")
    if not sweep_id or not name:
        raise BadRequest(f"agent id {given[:100]!r} is not one Heron made (SWEEP:NAME)")
    return sweep_id, name


def create_agent(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``createAgent(input: {host, sweep, ...})``: an id naming the sweep (which must exist and
    be writable by the caller) and a fresh agent name for its reservations."""
    given = input_of(args, "createAgent")
    sweep_id = text(given.get("sweep"), "sweep") or ""
    if not sweep_id:
        raise BadRequest("createAgent needs the sweep's id")
    # The client may pass the sweep as ENTITY/PROJECT/ID: the id is unique on its own.
    sweep = find_sweep(ctx, sweep_id.rsplit("/", 1)[-1], p.WRITE)
    host = _UNSAFE.sub("-", text(given.get("host"), "host") or "host")[:60]
    name = f"wandb-{host}-{secrets.token_hex(3)}"
    return {"agent": {"id": agent_id(sweep.id, name), "name": name,
                      "sweep": {"id": sweep.id, "name": sweep.id}}}


def _run_state(raw: Any) -> list[str]:
    """The run ids the agent says it still runs (``{run_id: true}``, a JSON string)."""
    if raw is None or raw == "":
        return []
    try:
        state = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise BadRequest(f"runState is not JSON: {exc}") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise BadRequest(f"runState must be a JSON object of run ids, not {str(raw)[:100]!r}")
    return [run_id for run_id, alive in state.items() if alive]


def _close_left_runs(controller: SweepController, sweep: SweepInfo, agent: str,
                     running: list[str]) -> None:
    """Runs handed to this agent that it no longer runs but that never recorded an end: a
    program that never called ``wandb.init()`` stays pending (failed), one killed before
    ``finish`` stays running (killed when the sweep had asked it to stop, else failed)."""
    with controller.store.sweep_session(write=False) as session:
        left = [run for run in session.sweep_runs(sweep.id, None)
                if run.agent == agent and run.run_id not in running
                and run.state in ("pending", "running")]
    for run in left:
        state = "killed" if run.stop_requested else "failed"
        controller.end_run(sweep.id, run.run_id, state, 255 if run.stop_requested else None)


def commands(controller: SweepController, sweep: SweepInfo, agent: str,
             running: list[str]) -> list[dict[str, Any]]:
    """What an agent running ``running`` is told to do now."""
    _close_left_runs(controller, sweep, agent, running)
    if running:
        _, stop = controller.runs_to_stop(sweep.id, running)
        return [{"type": "stop", "run_id": run_id} for run_id in stop]
    if sweep.state in DONE_STATES:
        return [{"type": "exit"}]
    job = controller.next_run(sweep.id, agent=agent)
    if job.run_id is None:
        return [{"type": "exit"}] if job.state in DONE_STATES else []
    return [{"type": "run", "run_id": job.run_id, "program": job.program,
             "args": {name: {"value": value} for name, value in (job.params or {}).items()}}]


def agent_heartbeat(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``agentHeartbeat(input: {id, metrics, runState})`` -> ``{agent{id}, commands}`` with
    ``commands`` a JSON string, as the client parses it."""
    given = input_of(args, "agentHeartbeat")
    sweep_id, name = parse_agent_id(given.get("id"))
    running = _run_state(given.get("runState"))
    sweep = find_sweep(ctx, sweep_id, p.WRITE)
    found = commands(SweepController(ctx.store), sweep, name, running)
    return {"agent": {"id": agent_id(sweep_id, name), "name": name},
            "commands": json.dumps(found)}
