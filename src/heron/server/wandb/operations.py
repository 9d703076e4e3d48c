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
from heron.server import permissions as p
from heron.server.wandb import entities, media, sweep_join, uploads
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.file_stream import PREEMPTING
from heron.server.wandb.graphql import Resolver, client_versions
from heron.server.wandb.metric_defs import metric_defs
from heron.server.wandb.shapes import bucket, text, unwrap_config

MAX_CLI_VERSION = "0.31.0"
"""The newest client version Heron is tested with (docs/wandb-client.md)."""
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
    """No optional features. ``max_cli_version`` is what older clients (to about 0.28) decide
    by: without one they wait in ``wandb.log`` for a table's artifact and fail the script when
    it is late; with it they go on as 0.31 does."""
    return {"features": [], "cliVersionInfo": {"max_cli_version": MAX_CLI_VERSION},
            "latestLocalVersionInfo": None}


def upsert_bucket(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Create the run on its first upsert; later ones change what is not null (the config
    arrives whole)."""
    given = args.get("input")
    if not isinstance(given, dict):
        raise BadRequest("upsertBucket needs an input object")
    if given.get("id") is not None and given.get("name") is None:
        return _edit_stored_run(ctx, given)
    project = text(given.get("modelName"), "modelName") or "uncategorized"
    project = sweep_join.sweep_project(ctx, given.get("sweep"), project)
    run_id = text(given.get("name"), "name") or new_run_id()
    entity, info = entities.resolve(ctx.store, ctx.caller, text(given.get("entityName"),
                                                                 "entityName"), project, run_id)
    config = internal = None
    if given.get("config") is not None:
        config, internal = stored_config(given["config"])
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
    # A sweep's reserved run starts here as a new run (sweep_join.py).
    joined = sweep_join.joining(ctx, given.get("sweep"), project, info)
    if info is None or joined is not None:
        metadata = {k: v for k, v in (("host", given.get("host")),
                                      ("program", given.get("jobProgram")),
                                      ("git_commit", given.get("commit")),
                                      ("git_remote", given.get("jobRepo"))) if v is not None}
        if internal is not None:
            metadata["wandb"] = internal
        records.append(r.RunStart(
            name=display or (joined and joined.name) or new_run_name(), entity=entity,
            config={**(config or {}), **(joined.params if joined else {})},
            tags=tags or [], notes=notes, group=group, job_type=job_type, metadata=metadata,
            sweep_id=joined.sweep_id if joined else None,
            started_at=time.time(), heartbeat_interval=30.0))
    elif info.state != "running" or (given.get("host") is not None
                                     and info.metadata.get(PREEMPTING)):
        # Resumed: running again, the rest as it was unless given. A run marked preempting
        # may still read running (its heartbeats not overdue yet) when its requeued job
        # starts it again: the upsert naming a host is a process starting the run.
        records.append(r.RunStart(
            name=display or info.name, entity=entity,
            config=info.config if config is None else config,
            tags=info.tags if tags is None else tags, notes=notes or info.notes,
            group=group or info.group, job_type=job_type or info.job_type,
            # A preempted run that resumes is not preempting any more.
            metadata={k: v for k, v in info.metadata.items() if k != PREEMPTING},
            sweep_id=info.sweep_id, resumed=True, started_at=time.time(),
            heartbeat_interval=30.0))
    else:
        if display is not None or tags is not None or notes is not None:
            records.append(r.RunPatch(name=display, tags=tags, notes=notes))
        if config is not None:
            records.append(r.ConfigSet(config))
    defs = metric_defs(internal)
    if defs is not None:  # define_metric: integrations chart against their own step
        records.append(r.MetricsSet(defs))
    summary = summary_of(given)
    if summary is not None:
        records.append(r.SummarySet(summary))
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


def summary_of(given: dict[str, Any]) -> dict[str, Any] | None:
    """The whole summary an upsert sends (``summaryMetrics``, a JSON string), without the
    client's ``_wandb`` entry and with its media pointing at Heron's stored files."""
    summary = given.get("summaryMetrics")
    if summary is None:
        return None
    try:
        parsed = json.loads(summary) if isinstance(summary, str) else summary
    except ValueError as exc:
        raise BadRequest(f"summaryMetrics is not JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise BadRequest("summaryMetrics must be a JSON object")
    return dict(media.to_heron({k: v for k, v in parsed.items() if k != "_wandb"}))


def stored_config(sent: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The config as Heron stores it, and the client's own ``_wandb`` entry. Custom charts
    (``wandb.plot``, ``_wandb.visualize``) stay in the config, where Heron's SDK keeps them
    and the dashboard reads them (docs/plots.md)."""
    config, internal = unwrap_config(sent)
    if internal is not None and isinstance(internal.get("visualize"), dict):
        config["_wandb"] = {"visualize": internal["visualize"]}
    return config, internal


def _edit_stored_run(ctx: Context, given: dict[str, Any]) -> dict[str, Any]:
    """The public API's ``run.update()`` / ``run.summary.update()``: the run by its storage
    ``id`` (no run name, no project), edited in place like the REST API's PATCH; its state
    stays as it is (a finished run is not started again)."""
    raw = given["id"]
    pk = int(raw) if isinstance(raw, (int, str)) and str(raw).isdigit() else None
    found = ctx.store.run_by_pk(pk) if pk is not None else None
    if found is None:
        raise RunNotFound(f"no run with id {raw!r}"[:200])
    info = ctx.guard.run(found.project, found.run_id, p.WRITE, entity=found.entity)
    fields: dict[str, Any] = {}
    for key, sent in (("name", "displayName"), ("notes", "notes"), ("group", "groupName"),
                      ("job_type", "jobType")):
        if given.get(sent) is not None:
            fields[key] = text(given[sent], sent)
    if given.get("tags") is not None:
        if not isinstance(given["tags"], list) or not all(isinstance(t, str)
                                                          for t in given["tags"]):
            raise BadRequest("tags must be a list of strings")
        fields["tags"] = given["tags"]
    if given.get("config") is not None:
        fields["config"] = stored_config(given["config"])[0]
    summary = summary_of(given)
    if summary is not None:
        fields["summary"] = summary
    ctx.store.update_run(info.pk, **fields)
    fresh = ctx.store.run_by_pk(info.pk) or info
    return {"bucket": bucket(ctx, fresh), "inserted": False}


def create_run_files(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """Upload URLs for this run and file: presigned into the bucket, or signed for this
    server (``uploads.py``)."""
    given = args.get("input")
    if not isinstance(given, dict) or not isinstance(given.get("files"), list):
        raise BadRequest("createRunFiles needs an input with a list of files")
    info = entities.writable_run(ctx, text(given.get("entityName"), "entityName"),
                            text(given.get("projectName"), "projectName") or "",
                            text(given.get("runName"), "runName") or "")
    signer = ctx.request.app.state.signer
    base = str(ctx.request.base_url).rstrip("/")
    incoming = ctx.store.media.incoming
    files = []
    for name in given["files"]:
        url = None
        if isinstance(name, str) and safe_file_name(name):
            if incoming is not None:  # straight into the bucket (``uploads.py``)
                url = incoming.put_url(uploads.incoming_name(info.pk, name))
            if url is None:
                user = ctx.caller.user or ""
                query = signer.sign((str(info.pk), name, user))
                url = f"{base}{UPLOAD_PREFIX}/{info.pk}/{quote(name)}?u={quote(user)}&{query}"
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
