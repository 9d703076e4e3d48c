"""FastAPI dependencies: the store, the media folder, and the caller's rights."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from heron.errors import RunNotFound
from heron.server.auth import Caller
from heron.store import RunInfo, SqlStore


def get_store(request: Request) -> SqlStore:
    store: SqlStore = request.app.state.store
    return store


def reader(request: Request) -> Caller:
    caller: Caller = request.app.state.auth.caller(request, write=False)
    return caller


def writer(request: Request) -> Caller:
    caller: Caller = request.app.state.auth.caller(request, write=True)
    return caller


StoreDep = Annotated[SqlStore, Depends(get_store)]
ReadDep = Annotated[Caller, Depends(reader)]
WriteDep = Annotated[Caller, Depends(writer)]


def find_run(store: SqlStore, project: str, run_id: str) -> RunInfo:
    """The run, or ``RunNotFound`` (404)."""
    info = store.get_run(project, run_id)
    if info is None:
        raise RunNotFound(f"no run {run_id!r} in project {project!r}")
    return info
