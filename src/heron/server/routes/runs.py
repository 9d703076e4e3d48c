"""Projects, runs, their history for charts, console lines and files."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from heron.errors import NotFound, ValueRejected
from heron.server.deps import ReadDep, StoreDep, WriteDep, find_run
from heron.server.jsonsafe import MsgpackResponse, SafeJSONResponse, floats, respond
from heron.server.routes.common import lattice, stream_number
from heron.server.routes.ingest import safe_media_path
from heron.server.serialize import run_json

router = APIRouter()


@router.get("/projects", response_class=SafeJSONResponse)
def projects(request: Request, store: StoreDep, caller: ReadDep) -> Any:
    return respond(request, [
        {"entity": p.entity, "name": p.name, "run_count": p.run_count,
         "last_activity": p.last_activity, "created_at": p.created_at}
        for p in store.list_projects()
    ])


@router.get("/projects/{project}/runs", response_class=SafeJSONResponse)
def runs(request: Request, project: str, store: StoreDep, caller: ReadDep,
         sweep: str | None = None, full: bool = False) -> Any:
    return respond(request, [run_json(info, full=full)
                             for info in store.list_runs(project, sweep_id=sweep)])


@router.get("/projects/{project}/runs/{run_id}", response_class=SafeJSONResponse)
def run(request: Request, project: str, run_id: str, store: StoreDep, caller: ReadDep) -> Any:
    return respond(request, run_json(find_run(store, project, run_id), full=True))


class RunEdit(BaseModel):
    name: str | None = None
    tags: list[str] | None = None
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    config: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None


@router.patch("/projects/{project}/runs/{run_id}", response_class=SafeJSONResponse)
def edit_run(project: str, run_id: str, edit: RunEdit, store: StoreDep,
             caller: WriteDep) -> Any:
    info = find_run(store, project, run_id)
    store.update_run(info.pk, **edit.model_dump(exclude_none=True))
    return SafeJSONResponse(run_json(find_run(store, project, run_id), full=True))


@router.delete("/projects/{project}/runs/{run_id}")
def delete_run(project: str, run_id: str, store: StoreDep, caller: WriteDep) -> dict[str, bool]:
    store.delete_run(find_run(store, project, run_id).pk)
    return {"deleted": True}


@router.get("/projects/{project}/runs/{run_id}/keys")
def keys(project: str, run_id: str, store: StoreDep, caller: ReadDep,
         stream: str = "history") -> list[dict[str, Any]]:
    return store.key_summary(find_run(store, project, run_id).pk, stream_number(stream))


@router.get("/projects/{project}/runs/{run_id}/series", response_class=SafeJSONResponse)
def series(project: str, run_id: str, store: StoreDep, caller: ReadDep,
           key: str = Query(min_length=1), x: str = "_step",
           points: int = Query(1000, ge=1, le=100_000), x_min: float | None = None,
           x_max: float | None = None, after: int | None = Query(None, ge=0),
           stream: str = "history") -> Any:
    """One metric as at most ``points`` buckets (x, min, max, last, count) or, with ``after``,
    its raw points from that step on; ``cursor`` is where the next ``after`` starts."""
    info = find_run(store, project, run_id)
    buckets, cursor = store.series(info.pk, key, x=x, points=points, x_min=x_min, x_max=x_max,
                                   stream=stream_number(stream), after=after)
    return SafeJSONResponse({
        "key": key, "x": x, "total": buckets.total, "cursor": cursor, **lattice(buckets),
        "buckets": {"x": floats(buckets.x), "min": floats(buckets.min),
                    "max": floats(buckets.max), "last": floats(buckets.last),
                    "count": buckets.count.tolist()},
    })


@router.get("/projects/{project}/runs/{run_id}/series_raw", response_class=MsgpackResponse)
def series_raw(project: str, run_id: str, store: StoreDep, caller: ReadDep,
               key: str = Query(min_length=1), stream: str = "history",
               min_step: int | None = None, max_step: int | None = None) -> Any:
    """Every point of one metric, exactly as logged (msgpack keeps ints, NaN and strings)."""
    info = find_run(store, project, run_id)
    s = store.read_series(info.pk, key, stream_number(stream), min_step, max_step)
    return MsgpackResponse({"steps": s.steps.tolist(), "values": s.values.tolist()})


@router.get("/projects/{project}/runs/{run_id}/history", response_class=SafeJSONResponse)
def history(project: str, run_id: str, store: StoreDep, caller: ReadDep,
            keys: str = Query(min_length=1), min_step: int | None = None,
            max_step: int | None = None, stream: str = "history") -> Any:
    """Rows (``_step`` plus each asked key present at that step) for media and table panels."""
    from heron.api.history import union_rows

    info = find_run(store, project, run_id)
    wanted = [k for k in keys.split(",") if k]
    if len(wanted) > 200:
        raise ValueRejected(f"{len(wanted)} keys asked for; at most 200 at a time")
    number = stream_number(stream)
    series = [store.read_series(info.pk, k, number, min_step, max_step) for k in wanted]
    return SafeJSONResponse({"rows": list(union_rows(series, "_step"))})


@router.get("/projects/{project}/runs/{run_id}/console", response_class=SafeJSONResponse)
def console(request: Request, project: str, run_id: str, store: StoreDep, caller: ReadDep,
            after: int = Query(0, ge=0), limit: int = Query(1000, ge=1, le=100_000)) -> Any:
    info = find_run(store, project, run_id)
    return respond(request, {"lines": [
        {"id": line.id, "stream": line.stream, "timestamp": line.timestamp, "text": line.text}
        for line in store.console(info.pk, after, limit)]})


@router.get("/projects/{project}/runs/{run_id}/files")
def files(project: str, run_id: str, store: StoreDep, caller: ReadDep) -> list[dict[str, Any]]:
    """The run's files as W&B lists them: saved files, logged media under W&B's names
    (``media/images/<key>_<step>_<hash>.png``...), config.yaml, wandb-summary.json,
    wandb-metadata.json and output.log. ``path`` is the stored media path, empty for a file
    made from the run's data."""
    info = find_run(store, project, run_id)
    return [{"name": f.name, "size": f.size, "sha256": f.sha256, "updated_at": f.updated_at,
             "path": f.path} for f in store.run_files(info.pk)]


@router.get("/projects/{project}/runs/{run_id}/files/{name:path}")
def file(project: str, run_id: str, name: str, store: StoreDep, caller: ReadDep) -> Response:
    """One of the run's files by its listed name (or by a media reference's stored path)."""
    info = find_run(store, project, run_id)
    found = store.run_file(info.pk, name)
    if found is None:
        raise NotFound(f"run {run_id!r} has no file {name[:200]!r}")
    filename = name.rsplit("/", 1)[-1]
    if found.content is not None:
        return Response(found.content, media_type=_generated_type(filename),
                        headers={"Content-Disposition": f"attachment; filename*=utf-8''"
                                                        f"{quote(filename)}"})
    return FileResponse(safe_media_path(store.media_root, found.path), filename=filename)


def _generated_type(filename: str) -> str:
    if filename.endswith(".json"):
        return "application/json"
    if filename.endswith(".yaml"):
        return "application/yaml"
    return "text/plain; charset=utf-8"
