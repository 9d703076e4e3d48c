"""Projects, runs, their history for charts, console lines and files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from heron.errors import Conflict, NotFound, ValueRejected
from heron.server import permissions as p
from heron.server.file_responses import generated_file, stored_file
from heron.server.guard import ReadGuard, WriteGuard
from heron.server.jsonsafe import MsgpackResponse, SafeJSONResponse, floats, respond
from heron.server.routes.common import lattice, stream_number
from heron.server.serialize import run_json

router = APIRouter()


@router.get("/projects", response_class=SafeJSONResponse)
def projects(request: Request, guard: ReadGuard) -> Any:
    visible = {(a.entity, a.name) for a in guard.visible()}
    return respond(request, [
        {"entity": proj.entity, "name": proj.name, "run_count": proj.run_count,
         "last_activity": proj.last_activity, "created_at": proj.created_at}
        for proj in guard.store.list_projects() if (proj.entity, proj.name) in visible
    ])


@router.get("/projects/{project}/runs", response_class=SafeJSONResponse)
def runs(request: Request, project: str, guard: ReadGuard,
         sweep: str | None = None, full: bool = False) -> Any:
    chosen = guard.listed(project)
    if chosen is None:
        return respond(request, [])
    return respond(request, [run_json(info, full=full)
                             for info in guard.store.list_runs(project, sweep_id=sweep)
                             if info.entity == chosen.entity])


@router.get("/projects/{project}/runs/{run_id}", response_class=SafeJSONResponse)
def run(request: Request, project: str, run_id: str, guard: ReadGuard) -> Any:
    return respond(request, run_json(guard.run(project, run_id), full=True))


class RunEdit(BaseModel):
    name: str | None = None
    tags: list[str] | None = None
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    config: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None


@router.patch("/projects/{project}/runs/{run_id}", response_class=SafeJSONResponse)
def edit_run(project: str, run_id: str, edit: RunEdit, guard: WriteGuard) -> Any:
    info = guard.run(project, run_id, p.WRITE)
    guard.store.update_run(info.pk, **edit.model_dump(exclude_none=True))
    return SafeJSONResponse(run_json(guard.run(project, run_id), full=True))


@router.post("/projects/{project}/runs/{run_id}/stop", response_class=SafeJSONResponse)
def stop_run(project: str, run_id: str, guard: WriteGuard) -> Any:
    """Ask a running run to stop (W&B's "Stop run"): within seconds its SDK interrupts the
    script, which ends ``killed`` with exit code 255. 409 when the run is not running."""
    info = guard.run(project, run_id, p.WRITE)
    if not guard.store.request_run_stop(info.pk):
        raise Conflict(f"run {run_id!r} is {info.state}, not running: there is nothing to stop")
    with guard.store.access_session(write=True) as access:
        access.record(guard.caller.user, "run.stop", f"{info.entity}/{project}/{run_id}",
                      {"name": info.name, "user": info.user})
    return SafeJSONResponse(run_json(guard.run(project, run_id), full=True))


@router.delete("/projects/{project}/runs/{run_id}")
def delete_run(project: str, run_id: str, guard: WriteGuard) -> dict[str, bool]:
    info = guard.run(project, run_id, p.WRITE)
    guard.store.delete_run(info.pk)
    with guard.store.access_session(write=True) as access:
        access.record(guard.caller.user, "run.delete", f"{info.entity}/{project}/{run_id}",
                      {"name": info.name, "user": info.user})
    return {"deleted": True}


@router.get("/projects/{project}/runs/{run_id}/keys")
def keys(project: str, run_id: str, guard: ReadGuard,
         stream: str = "history") -> list[dict[str, Any]]:
    return guard.store.key_summary(guard.run(project, run_id).pk, stream_number(stream))


@router.get("/projects/{project}/runs/{run_id}/series", response_class=SafeJSONResponse)
def series(project: str, run_id: str, guard: ReadGuard,
           key: str = Query(min_length=1), x: str = "_step",
           points: int = Query(1000, ge=1, le=100_000), x_min: float | None = None,
           x_max: float | None = None, after: int | None = Query(None, ge=0),
           stream: str = "history") -> Any:
    """One metric as at most ``points`` buckets (x, min, max, last, count) or, with ``after``,
    its raw points from that step on; ``cursor`` is where the next ``after`` starts."""
    info = guard.run(project, run_id)
    buckets, cursor = guard.store.series(info.pk, key, x=x, points=points, x_min=x_min,
                                         x_max=x_max, stream=stream_number(stream), after=after)
    return SafeJSONResponse({
        "key": key, "x": x, "total": buckets.total, "cursor": cursor, **lattice(buckets),
        "buckets": {"x": floats(buckets.x), "min": floats(buckets.min),
                    "max": floats(buckets.max), "last": floats(buckets.last),
                    "count": buckets.count.tolist()},
    })


@router.get("/projects/{project}/runs/{run_id}/series_raw", response_class=MsgpackResponse)
def series_raw(project: str, run_id: str, guard: ReadGuard,
               key: str = Query(min_length=1), stream: str = "history",
               min_step: int | None = None, max_step: int | None = None) -> Any:
    """Every point of one metric, exactly as logged (msgpack keeps ints, NaN and strings)."""
    info = guard.run(project, run_id)
    s = guard.store.read_series(info.pk, key, stream_number(stream), min_step, max_step)
    return MsgpackResponse({"steps": s.steps.tolist(), "values": s.values.tolist()})


@router.get("/projects/{project}/runs/{run_id}/history", response_class=SafeJSONResponse)
def history(project: str, run_id: str, guard: ReadGuard,
            keys: str = Query(min_length=1), min_step: int | None = None,
            max_step: int | None = None, stream: str = "history") -> Any:
    """Rows (``_step`` plus each asked key present at that step) for media and table panels."""
    from heron.api.history import union_rows

    info = guard.run(project, run_id)
    wanted = [k for k in keys.split(",") if k]
    if len(wanted) > 200:
        raise ValueRejected(f"{len(wanted)} keys asked for; at most 200 at a time")
    number = stream_number(stream)
    series = [guard.store.read_series(info.pk, k, number, min_step, max_step) for k in wanted]
    return SafeJSONResponse({"rows": list(union_rows(series, "_step"))})


@router.get("/projects/{project}/runs/{run_id}/console", response_class=SafeJSONResponse)
def console(request: Request, project: str, run_id: str, guard: ReadGuard,
            after: int = Query(0, ge=0), limit: int = Query(1000, ge=1, le=100_000)) -> Any:
    info = guard.run(project, run_id)
    return respond(request, {"lines": [
        {"id": line.id, "stream": line.stream, "timestamp": line.timestamp, "text": line.text}
        for line in guard.store.console(info.pk, after, limit)]})


@router.get("/projects/{project}/runs/{run_id}/files")
def files(project: str, run_id: str, guard: ReadGuard) -> list[dict[str, Any]]:
    """The run's files as W&B lists them: saved files, logged media under W&B's names
    (``media/images/<key>_<step>_<hash>.png``...), config.yaml, wandb-summary.json,
    wandb-metadata.json and output.log. ``path`` is the stored media path, empty for a file
    made from the run's data."""
    info = guard.run(project, run_id)
    return [{"name": f.name, "size": f.size, "sha256": f.sha256, "updated_at": f.updated_at,
             "path": f.path} for f in guard.store.run_files(info.pk)]


@router.get("/projects/{project}/runs/{run_id}/files/{name:path}")
def file(project: str, run_id: str, name: str, guard: ReadGuard) -> Response:
    """One of the run's files by its listed name (or by a media reference's stored path)."""
    info = guard.run(project, run_id)
    found = guard.store.run_file(info.pk, name)
    if found is None:
        raise NotFound(f"run {run_id!r} has no file {name[:200]!r}")
    filename = name.rsplit("/", 1)[-1]
    # Always a download (the Files tab's links), never a page: see file_responses.
    if found.content is not None:
        return generated_file(found.content, filename, _generated_type(filename))
    return stored_file(guard.store.media, found.path, filename, download=True)


def _generated_type(filename: str) -> str:
    if filename.endswith(".json"):
        return "application/json"
    if filename.endswith(".yaml"):
        return "application/yaml"
    return "text/plain; charset=utf-8"
