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
from heron.server.wandb.shapes import bucket, text, unwrap_config
from heron.store import RunInfo

UPLOAD_PREFIX = "/wandb-uploads"
"""Where ``CreateRunFiles``' URLs point (``uploads.py``)."""


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


def upsert_bucket(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Create the run on its first upsert; later ones change what is not null (the config
    arrives whole)."""
    given = args.get("input")
    if not isinstance(given, dict):
        raise BadRequest("upsertBucket needs an input object")
    project = text(given.get("modelName"), "modelName") or "uncategorized"
    run_id = text(given.get("name"), "name") or new_run_id()
    entity, info = entities.resolve(ctx.store, ctx.caller, text(given.get("entityName"),
                                                                 "entityName"), project, run_id)
    config = internal = None
    if given.get("config") is not None:
        config, internal = unwrap_config(given["config"])
    tags = given.get("tags")
    if tags is not None and not (isinstance(tags, list)
                                 and all(isinstance(t, str) for t in tags)):
        raise BadRequest("tags must be a list of strings")
    notes = text(given.get("notes"), "notes") or text(given.get("description"), "description")
    display = text(given.get("displayName"), "displayName")
    group = text(given.get("groupName"), "groupName")
    job_type = text(given.get("jobType"), "jobType")
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
    info = _run_for_writing(ctx, text(given.get("entityName"), "entityName"),
                            text(given.get("projectName"), "projectName") or "",
                            text(given.get("runName"), "runName") or "")
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


RESOLVERS: dict[str, Resolver] = {
    "viewer": viewer,
    "serverInfo": server_info,
    "upsertBucket": upsert_bucket,
    "createRunFiles": create_run_files,
}
