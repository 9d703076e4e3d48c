"""A Heron sweep as W&B's ``Sweep`` type (what ``SweepWithRuns``, ``GetSweepState`` and
``UpsertSweep``'s answer read), and the lookups every sweep resolver shares: a sweep by id with
the caller's rights checked, and the Heron entity a W&B entity name means for a new sweep."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import yaml

from heron.server import permissions as p
from heron.server.names import check_name
from heron.server.wandb import entities
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.shapes import project_of, text, wrap_config
from heron.store.sweep_queries import SweepInfo, SweepRunInfo
from heron.sweeps.controller import SweepController


def input_of(args: dict[str, Any], what: str) -> dict[str, Any]:
    """A mutation's ``input`` object."""
    given = args.get("input")
    if not isinstance(given, dict):
        raise BadRequest(f"{what} needs an input object")
    return given


def find_sweep(ctx: Context, sweep_id: str, need: int = p.READ) -> SweepInfo:
    """The sweep, if the caller has ``need`` on its project; ``NotFound`` (404, which the
    client's agent reads as "the sweep was deleted") otherwise."""
    sweep = SweepController(ctx.store).get(sweep_id)
    ctx.guard.sweep(sweep, need)
    return sweep


def entity_for_new_sweep(ctx: Context, sent: str | None, project: str) -> str:
    """Heron's entity for a sweep the client creates in ``sent/project``.

    The client names the entity the server told it (the caller's user name for Heron's default
    entity ``""``): that name means ``""`` unless a project of that entity already exists,
    as for a run (``entities.resolve``)."""
    check_name("project", project)
    if not sent:
        return ""
    check_name("entity", sent)
    if sent == entities.default_entity(ctx.caller) and ctx.guard.cache.find(sent,
                                                                             project) is None:
        return ""
    return sent


def _time(seconds: float | None) -> str | None:
    """W&B's timestamps: UTC ISO 8601 without a zone suffix."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _run_node(run: SweepRunInfo) -> dict[str, Any]:
    """One run of the sweep as the nodes of ``Sweep.runs`` (the CLI agent reads none of it;
    ``wandb.Api()`` shows it)."""
    return {
        "id": str(run.run_pk), "name": run.run_id, "displayName": run.name,
        "state": run.state, "config": wrap_config(run.params),
        "summaryMetrics": json.dumps(run.summary, default=str),
        "heartbeatAt": _time(run.created_at), "createdAt": _time(run.created_at),
        "shouldStop": run.stop_requested, "stopped": run.stop_requested,
        "failed": run.state in ("failed", "crashed"),
        "running": run.state in ("pending", "running"),
        # One empty list per history spec asked for: Heron does not sample history here.
        "sampledHistory": lambda given: [[] for _ in given.get("specs") or []],
    }


def sweep_shape(ctx: Context, sweep: SweepInfo) -> dict[str, Any]:
    """``sweep`` as W&B's ``Sweep``: ``name`` (and ``id``) is the sweep id, ``config`` the YAML
    the client parses; its runs are read only when asked."""
    def runs(_: dict[str, Any]) -> dict[str, Any]:
        with ctx.store.sweep_session(write=False) as session:
            infos = session.sweep_runs(sweep.id, None)
        return {"edges": [{"node": _run_node(run)} for run in infos],
                "totalCount": len(infos)}

    def run_count(_: dict[str, Any]) -> int:
        with ctx.store.sweep_session(write=False) as session:
            return len(session.sweep_runs(sweep.id, None))

    config = sweep.config
    return {
        "id": sweep.id, "name": sweep.id, "displayName": sweep.name or config.get("name"),
        "method": config.get("method"), "state": sweep.state,
        "description": config.get("description"),
        "config": yaml.safe_dump(config, sort_keys=False),
        "createdAt": _time(sweep.created_at), "updatedAt": _time(sweep.updated_at),
        "heartbeatAt": _time(sweep.updated_at), "earlyStopJobRunning": False,
        "bestLoss": None, "controller": None, "scheduler": None,
        "runs": runs, "runCount": run_count, "runCountExpected": None,
        "project": project_of(ctx, sweep.project, sweep.entity),
    }


def sweep_field(ctx: Context, given: dict[str, Any]) -> dict[str, Any] | None:
    """``project{sweep(sweepName)}``: the sweep by id (unique in Heron; the caller must see
    its project), null when unknown (the client then reports "Sweep ... not found")."""
    name = text(given.get("sweepName") or given.get("name"), "sweepName") or ""
    try:
        return sweep_shape(ctx, find_sweep(ctx, name.rsplit("/", 1)[-1]))
    except LookupError:
        return None
