"""W&B's shapes of Heron's things: a run as W&B's ``Run`` type (``bucket``), a project, and
the ``{key: {"value": v}}`` config, shared by the resolvers that write runs
(``operations.py``) and those that read them (``queries.py``)."""

from __future__ import annotations

import json
from typing import Any

from heron.server import permissions as p
from heron.server.wandb import api_history, entities
from heron.server.wandb.api_files import RunFiles, iso
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.offsets import Offsets, offsets_in_store
from heron.store import RunInfo


def unwrap_config(raw: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """W&B's ``{key: {"value": v}}`` (a JSON string) as Heron's ``{key: v}``, and the client's
    own ``_wandb`` entry (telemetry, metric definitions) apart from the user's config."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise BadRequest(f"config is not a JSON string: {exc}") from None
    if not isinstance(raw, dict):
        raise BadRequest("config must be a JSON object of {key: {\"value\": ...}}")
    config: dict[str, Any] = {}
    internal = None
    for key, item in raw.items():
        value = item.get("value") if isinstance(item, dict) and "value" in item else item
        if key == "_wandb":
            internal = value if isinstance(value, dict) else None
        else:
            config[key] = value
    return config, internal


def wrap_config(config: dict[str, Any]) -> str:
    return json.dumps({k: {"value": v} for k, v in config.items()}, default=str)


def project_of(ctx: Context, name: str, entity: str) -> dict[str, Any]:
    shown = entities.shown_entity(entity, ctx.caller)
    return {"id": f"{shown}/{name}", "name": name,
            "entity": {"id": shown, "name": shown}}


def bucket(ctx: Context, info: RunInfo) -> dict[str, Any]:
    """A run as W&B's ``Run`` type; what a resuming client reads (the offsets its files go on
    from, the last step and runtime) and what the public API reads (history, files, the
    project's id) is read only when asked."""
    def offsets() -> Offsets:
        if "offsets" not in cache:
            cache["offsets"] = offsets_in_store(ctx.store, info)
        return cache["offsets"]

    cache: dict[str, Offsets] = {}
    tail = {"_step": info.last_step, "_runtime": info.summary.get("_runtime", 0)}
    return {
        "id": str(info.pk), "name": info.run_id, "displayName": info.name,
        "description": info.notes, "notes": info.notes, "tags": info.tags,
        "config": wrap_config(info.config), "group": info.group, "jobType": info.job_type,
        "sweepName": info.sweep_id, "historyLineCount": info.history_rows,
        "project": project_of(ctx, info.project, info.entity), "state": info.state,
        # Media references as the client logged them (W&B's paths), where it kept them.
        "summaryMetrics": json.dumps(api_history.to_wandb(info.summary), default=str),
        # The client resumes only a run whose wandbConfig holds its telemetry key "t".
        "wandbConfig": json.dumps({"t": {}, **(info.metadata.get("wandb") or {})},
                                  default=str),
        "eventsLineCount": lambda _: offsets().events,
        "logLineCount": lambda _: offsets().console,
        "historyTail": json.dumps([json.dumps(tail)]),
        "eventsTail": "[]",
        **_public_reads(ctx, info),
    }


def _public_reads(ctx: Context, info: RunInfo) -> dict[str, Any]:
    """What ``wandb.Api()`` reads of a run besides what a logging client does."""
    files = RunFiles(ctx, info)

    def access_level() -> int:
        found = ctx.guard.cache.find(info.entity, info.project)
        return ctx.guard.level(found) if found is not None else p.NONE

    def project_pk(_: Any) -> int | None:
        found = ctx.guard.cache.find(info.entity, info.project)
        return found.pk if found is not None else None

    return {
        "createdAt": iso(info.created_at), "heartbeatAt": iso(info.heartbeat_at),
        "updatedAt": iso(info.updated_at), "projectId": project_pk,
        "user": {"id": info.user, "name": info.user, "username": info.user},
        "commit": info.metadata.get("git_commit"), "host": info.host,
        "exitcode": info.exit_code,
        "readOnly": lambda _: not p.may_write_run(ctx.caller, access_level(), info.user),
        # Heron keeps system metrics as a series (``events``), not a latest-values record.
        "systemMetrics": "{}",
        "historyKeys": lambda _: api_history.history_keys(ctx, info),
        "sampledHistory": lambda args: api_history.sampled_history(ctx, info, args),
        "history": lambda args: api_history.history_lines(ctx, info, args),
        "events": lambda args: api_history.history_lines(ctx, info, args, "system"),
        "fileCount": files.count,
        "files": files.connection,
    }


def text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BadRequest(f"{what} must be a string, not {type(value).__name__}")
