"""The GraphQL fields a run of the official client asks for, answered from Heron's store.

Each resolver takes the request's ``Context`` and the field's arguments and returns plain
values; ``graphql.shape`` cuts them to what the query selects.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from heron import records as r
from heron.errors import RunNotFound
from heron.sdk.names import new_run_id, new_run_name
from heron.server.wandb import entities
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.graphql import Resolver, client_versions
from heron.server.wandb.offsets import Offsets, offsets_in_store
from heron.store import RunInfo

UPLOAD_PREFIX = "/wandb-uploads"
"""Where ``CreateRunFiles``' URLs point (``uploads.py``)."""


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


def _project(ctx: Context, name: str, entity: str) -> dict[str, Any]:
    shown = entities.shown_entity(entity, ctx.caller)
    return {"id": f"{shown}/{name}", "name": name,
            "entity": {"id": shown, "name": shown}}


def bucket(ctx: Context, info: RunInfo) -> dict[str, Any]:
    """A run as W&B's ``Run`` type; what a resuming client reads (the offsets its files go on
    from, the last step and runtime) is read only when asked."""
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
        "project": _project(ctx, info.project, info.entity), "state": info.state,
        "summaryMetrics": json.dumps(info.summary, default=str),
        # The client resumes only a run whose wandbConfig holds its telemetry key "t".
        "wandbConfig": json.dumps({"t": {}, **(info.metadata.get("wandb") or {})},
                                  default=str),
        "eventsLineCount": lambda _: offsets().events,
        "logLineCount": lambda _: offsets().console,
        "historyTail": json.dumps([json.dumps(tail)]),
        "eventsTail": "[]",
    }


def viewer(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    caller = ctx.caller
    name = entities.default_entity(caller)
    return {
        "id": name, "entity": name, "username": name, "name": name, "email": None,
        "admin": caller.admin, "flags": "{}",
        "teams": {"edges": [{"node": {"id": team, "name": team}} for team in caller.teams]},
    }


def server_info(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    return {"features": [], "cliVersionInfo": None, "latestLocalVersionInfo": None}


def _text(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BadRequest(f"{what} must be a string, not {type(value).__name__}")


def upsert_bucket(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Create the run on its first upsert; later ones change what is not null (the config
    arrives whole)."""
    given = args.get("input")
    if not isinstance(given, dict):
        raise BadRequest("upsertBucket needs an input object")
    project = _text(given.get("modelName"), "modelName") or "uncategorized"
    run_id = _text(given.get("name"), "name") or new_run_id()
    entity, info = entities.resolve(ctx.store, ctx.caller, _text(given.get("entityName"),
                                                                 "entityName"), project, run_id)
    config = internal = None
    if given.get("config") is not None:
        config, internal = unwrap_config(given["config"])
    tags = given.get("tags")
    if tags is not None and not (isinstance(tags, list)
                                 and all(isinstance(t, str) for t in tags)):
        raise BadRequest("tags must be a list of strings")
    notes = _text(given.get("notes"), "notes") or _text(given.get("description"), "description")
    display = _text(given.get("displayName"), "displayName")
    group = _text(given.get("groupName"), "groupName")
    job_type = _text(given.get("jobType"), "jobType")
    if internal is not None and isinstance(internal.get("cli_version"), str):
        if len(client_versions) > 10_000:
            client_versions.clear()
        client_versions[ctx.caller.user or ""] = internal["cli_version"][:50]
    records: list[r.Record] = []
    if info is None:
        metadata = {k: v for k, v in (("host", given.get("host")),
                                      ("program", given.get("jobProgram")),
                                      ("git_commit", given.get("commit")),
                                      ("git_remote", given.get("jobRepo"))) if v is not None}
        if internal is not None:
            metadata["wandb"] = internal
        records.append(r.RunStart(
            name=display or new_run_name(), entity=entity, config=config or {},
            tags=tags or [], notes=notes, group=group, job_type=job_type, metadata=metadata,
            started_at=time.time(), heartbeat_interval=30.0))
    elif info.state != "running":  # resumed: running again, the rest as it was unless given
        records.append(r.RunStart(
            name=display or info.name, entity=entity,
            config=info.config if config is None else config,
            tags=info.tags if tags is None else tags, notes=notes or info.notes,
            group=group or info.group, job_type=job_type or info.job_type,
            metadata=info.metadata, sweep_id=info.sweep_id, resumed=True,
            started_at=time.time(), heartbeat_interval=30.0))
    else:
        if display is not None or tags is not None or notes is not None:
            records.append(r.RunPatch(name=display, tags=tags, notes=notes))
        if config is not None:
            records.append(r.ConfigSet(config))
    summary = given.get("summaryMetrics")
    if summary is not None:
        try:
            parsed = json.loads(summary) if isinstance(summary, str) else summary
        except ValueError as exc:
            raise BadRequest(f"summaryMetrics is not JSON: {exc}") from None
        if isinstance(parsed, dict):
            records.append(r.SummarySet({k: v for k, v in parsed.items() if k != "_wandb"}))
    batch = r.Batch(project=project, run_id=run_id, seq=0, entity=entity, records=records)
    ctx.guard.check_batch(batch)
    if records:
        ctx.store.write(batch, ctx.caller.user)
    found = entities.find_run(ctx.store, entity, project, run_id)
    if found is None:
        raise RunNotFound(f"run {run_id!r} of project {project!r} was not stored")
    if info is not None:
        changes = {k: v for k, v in (("group", group), ("job_type", job_type))
                   if v is not None and v != getattr(found, k)}
        if changes:
            ctx.store.update_run(found.pk, **changes)
    return {"bucket": bucket(ctx, found), "inserted": info is None}


def _run_for_writing(ctx: Context, entity: str | None, project: str, run_id: str) -> RunInfo:
    heron_entity, info = entities.resolve(ctx.store, ctx.caller, entity, project, run_id)
    if info is None:
        raise RunNotFound(f"no run {run_id!r} in project {project!r}")
    ctx.guard.check_batch(r.Batch(project=project, run_id=run_id, seq=0, entity=heron_entity,
                                  records=[]))
    return info


def create_run_files(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Upload URLs signed for this run and file (``uploads.py`` checks them)."""
    given = args.get("input")
    if not isinstance(given, dict) or not isinstance(given.get("files"), list):
        raise BadRequest("createRunFiles needs an input with a list of files")
    info = _run_for_writing(ctx, _text(given.get("entityName"), "entityName"),
                            _text(given.get("projectName"), "projectName") or "",
                            _text(given.get("runName"), "runName") or "")
    signer = ctx.request.app.state.signer
    base = str(ctx.request.base_url).rstrip("/")
    files = []
    for name in given["files"]:
        url = None
        if isinstance(name, str) and safe_file_name(name):
            user = ctx.caller.user or ""
            query = signer.sign((str(info.pk), name, user))
            url = (f"{base}{UPLOAD_PREFIX}/{info.pk}/{quote(name)}?u={quote(user)}&{query}")
        files.append({"name": name, "uploadUrl": url, "id": name})
    return {"runID": str(info.pk), "uploadHeaders": [], "files": files}


def safe_file_name(name: str) -> bool:
    """A relative name without ``..`` parts, drive or NUL (what Heron stores for a run)."""
    parts = name.replace("\\", "/").split("/")
    return (0 < len(name) <= 1024 and "\0" not in name and not name.startswith("/")
            and ":" not in parts[0] and all(p not in ("", ".", "..") for p in parts))


def stopped(ctx: Context, info: RunInfo) -> bool:
    if info.sweep_id is None:
        return False
    with ctx.store.sweep_session(write=False) as sweeps:
        return info.run_id in sweeps.stop_requested(info.sweep_id, [info.run_id])


def model(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``model(name, entityName){bucket(name)}``: RunResumeStatus. A new run is null."""
    project = _text(args.get("name"), "name") or ""
    sent = _text(args.get("entityName"), "entityName")

    def run(given: dict[str, Any]) -> dict[str, Any] | None:
        run_id = _text(given.get("name"), "name") or ""
        _, info = entities.resolve(ctx.store, ctx.caller, sent, project, run_id)
        if info is None:
            return None
        ctx.guard.run(project, run_id)  # 404 unless the caller sees it
        return bucket(ctx, info)

    entity = "" if not sent or sent == entities.default_entity(ctx.caller) else sent
    return {**_project(ctx, project, entity), "bucket": run, "run": run}


def project(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``project(name, entityName){run(name){stopped}}``: RunStoppedStatus of older clients."""
    name = _text(args.get("name"), "name") or ""
    sent = _text(args.get("entityName"), "entityName")

    def run(given: dict[str, Any]) -> dict[str, Any] | None:
        run_id = _text(given.get("name"), "name") or ""
        _, info = entities.resolve(ctx.store, ctx.caller, sent, name, run_id)
        if info is None:
            return None
        ctx.guard.run(name, run_id)
        return {**bucket(ctx, info), "stopped": stopped(ctx, info)}

    entity = "" if not sent or sent == entities.default_entity(ctx.caller) else sent
    return {**_project(ctx, name, entity), "run": run}


RESOLVERS: dict[str, Resolver] = {
    "viewer": viewer,
    "serverInfo": server_info,
    "upsertBucket": upsert_bucket,
    "createRunFiles": create_run_files,
    "model": model,
    "project": project,
}
