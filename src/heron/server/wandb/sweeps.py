"""Sweeps through the W&B protocol: UpsertSweep, CreateAgent, agent heartbeats and
SweepWithRuns, driven by Heron's own sweep controller.

A sweep the client creates (``wandb.sweep``, ``wandb sweep cfg.yaml``) is an ordinary Heron
sweep (``heron.Api()``, the REST API and the dashboard show it), and a Heron sweep is driven by
the client's agents like one of W&B's: its id is W&B's sweep name. The agents' loop is in
``sweep_agents.py``, a run joining its sweep in ``sweep_join.py``.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from heron.errors import Conflict, PermissionDenied, ValueRejected
from heron.server import permissions as p
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.graphql import Resolver
from heron.server.wandb.shapes import text
from heron.server.wandb.sweep_agents import agent_heartbeat, create_agent
from heron.server.wandb.sweep_shapes import (
    entity_for_new_sweep,
    find_sweep,
    input_of,
    sweep_shape,
)
from heron.store.sweep_queries import SweepInfo
from heron.sweeps.controller import SweepController

STATE_ACTIONS = {"RUNNING": "resume", "PAUSED": "pause", "FINISHED": "stop",
                 "CANCELED": "cancel"}
"""The states ``wandb sweep --resume|--pause|--stop|--cancel`` asks for, as Heron's actions."""


def _config(raw: Any) -> dict[str, Any]:
    """The sweep configuration the client sends as a YAML string."""
    if not isinstance(raw, str):
        raise BadRequest("upsertSweep needs the sweep's config as a YAML string")
    try:
        config = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise BadRequest(f"the sweep config is not YAML: {exc}") from None
    if not isinstance(config, dict):
        raise ValueRejected(f"a sweep config is a mapping of keys, not {str(raw)[:100]!r}")
    return config


def _prior_runs(raw: Any) -> list[str]:
    """The run ids of ``priorRunsFilters`` (``{"$or": [{"name": RUN_ID}, ...]}``)."""
    if raw is None:
        return []
    try:
        filters = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise BadRequest(f"priorRunsFilters is not JSON: {exc}") from None
    terms = filters.get("$or") if isinstance(filters, dict) else None
    if not isinstance(terms, list) or not all(
            isinstance(t, dict) and isinstance(t.get("name"), str) for t in terms):
        raise BadRequest(f"priorRunsFilters {str(raw)[:100]!r} is not "
                         "{\"$or\": [{\"name\": RUN_ID}, ...]}")
    return [t["name"] for t in terms]


def _create(ctx: Context, given: dict[str, Any]) -> SweepInfo:
    config = _config(given.get("config"))
    project = (text(given.get("projectName"), "projectName") or text(config.get("project"),
                                                                       "project")
               or "uncategorized")
    entity = entity_for_new_sweep(ctx, text(given.get("entityName"), "entityName")
                                  or text(config.get("entity"), "entity"), project)
    ctx.guard.project_for_writing(entity, project)
    controller = SweepController(ctx.store)
    prior = _prior_runs(given.get("priorRunsFilters"))
    sweep_id = controller.create(config, project, entity, prior)
    with ctx.store.access_session(write=True) as access:
        access.set_sweep_creator(sweep_id, ctx.caller.user)
    return controller.get(sweep_id)


def _change_state(ctx: Context, sweep_id: str, state: str) -> SweepInfo:
    """Pause, resume, stop or cancel: the sweep's creator or an owner of its project, as in
    Heron's REST API."""
    action = STATE_ACTIONS.get(state)
    if action is None:
        raise ValueRejected(f"sweep state {state!r} is not one of {list(STATE_ACTIONS)}")
    sweep = find_sweep(ctx, sweep_id)
    access = ctx.guard.sweep(sweep)
    with ctx.store.access_session() as session:
        creator = session.sweep_creator(sweep_id)
    level = ctx.guard.level(access)
    if level < p.OWN and not (level >= p.WRITE and creator and creator == ctx.caller.user):
        raise PermissionDenied(f"sweep {sweep_id} was created by {creator or 'someone else'}; "
                               f"only they or an owner of project {sweep.project!r} may "
                               f"{action} it")
    controller = SweepController(ctx.store)
    new_state = controller.set_state(sweep_id, action)
    with ctx.store.access_session(write=True) as session:
        session.record(ctx.caller.user, f"sweep.{action}", sweep_id,
                       {"project": sweep.project, "state": new_state, "via": "wandb"})
    return controller.get(sweep_id)


def upsert_sweep(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``upsertSweep``: without ``id`` a new sweep from the YAML ``config``; with ``id`` a state
    change (``wandb sweep --stop ID``...). Heron's sweeps keep their config for life: an
    update of it (``wandb sweep --update``) is refused."""
    given = input_of(args, "upsertSweep")
    sweep_id = text(given.get("id"), "id")
    state = text(given.get("state"), "state")
    if not sweep_id:
        sweep = _create(ctx, given)
        if state and state != sweep.state:
            sweep = _change_state(ctx, sweep.id, state)
    else:
        sweep = find_sweep(ctx, sweep_id)
        if given.get("config") is not None and _config(given["config"]) != sweep.config:
            raise Conflict(f"Heron cannot change the configuration of sweep {sweep_id}; "
                           "create a new sweep instead")
        if state:
            sweep = _change_state(ctx, sweep_id, state)
    return {"sweep": sweep_shape(ctx, sweep), "configValidationWarnings": [],
            "inserted": not sweep_id}


RESOLVERS: dict[str, Resolver] = {
    "upsertSweep": upsert_sweep,
    "createAgent": create_agent,
    "agentHeartbeat": agent_heartbeat,
}
