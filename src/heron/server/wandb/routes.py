"""The W&B client's routes, mounted at the server's root (the client appends its paths to
``WANDB_BASE_URL``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from heron.errors import AuthError
from heron.server.routes.media import body_chunks
from heron.server.wandb import (
    api_files,
    artifacts_files,
    artifacts_link,
    artifacts_read,
    artifacts_write,
    file_stream,
    operations,
    queries,
    sweeps,
    uploads,
)
from heron.server.wandb.context import context, graphql_error, read_body, status_of
from heron.server.wandb.graphql import Unimplemented, execute
from heron.server.wandb.operations import UPLOAD_PREFIX

router = APIRouter(include_in_schema=False)
RESOLVERS = {**operations.RESOLVERS, **queries.RESOLVERS, **sweeps.RESOLVERS,
             **artifacts_write.RESOLVERS, **artifacts_read.RESOLVERS,
             **artifacts_link.RESOLVERS,
             # The project's artifact fields (``artifact(name)``...) beside its runs.
             "project": artifacts_read.with_artifacts(queries.RESOLVERS["project"])}
"""Every top-level GraphQL field Heron answers, by the module that answers it."""


@router.post("/graphql")
async def graphql(request: Request) -> JSONResponse:
    """W&B's GraphQL API, as much of it as a run needs; errors as GraphQL errors (a 401 for a
    wrong key, which the client shows and does not retry)."""
    try:
        body = await read_body(request)
        ctx = await run_in_threadpool(context, request)
        data = await run_in_threadpool(execute, ctx, body, RESOLVERS)
    except Unimplemented as exc:
        return graphql_error(str(exc))
    except Exception as exc:  # heron.errors and HTTPExceptions get their status; bugs stay 500
        status = status_of(exc)
        if status == 500:
            raise
        return graphql_error(exc, status)
    return JSONResponse({"data": data})


def _refusal(exc: Exception) -> JSONResponse:
    status = status_of(exc)
    if status == 500:
        raise exc
    headers = {"WWW-Authenticate": "Basic"} if isinstance(exc, AuthError) else None
    message = getattr(exc, "detail", None) or str(exc)
    return JSONResponse({"detail": message, "error": message}, status_code=status,
                        headers=headers)


@router.post("/files/{entity}/{project}/{run_id}/file_stream")
async def post_file_stream(entity: str, project: str, run_id: str,
                           request: Request) -> Any:
    try:
        body = await read_body(request)
        ctx = await run_in_threadpool(context, request)
        return await run_in_threadpool(file_stream.apply, ctx, entity, project, run_id, body)
    except Exception as exc:
        return _refusal(exc)


@router.put(UPLOAD_PREFIX + "/{run_pk}/{name:path}")
async def put_upload(run_pk: int, name: str, request: Request, u: str = "", exp: str = "",
                     sig: str = "") -> Any:
    try:
        await run_in_threadpool(lambda: uploads.store_upload(
            request.app.state.store, request.app.state.signer, run_pk, name, u, exp, sig,
            body_chunks(request)))
    except Exception as exc:
        return _refusal(exc)
    return {}


@router.get(api_files.DOWNLOAD_PREFIX + "/{run_pk}/{name:path}")
async def get_download(run_pk: int, name: str, request: Request, u: str = "", exp: str = "",
                       sig: str = "") -> Any:
    """A run's file at the signed URL ``run{files{url}}`` handed out (the public API's
    ``file.download()``; wandb-core fetches it as from a bucket)."""
    try:
        return await run_in_threadpool(api_files.serve_download, request.app.state.store,
                                       request.app.state.signer, run_pk, name, u, exp, sig)
    except Exception as exc:
        return _refusal(exc)


@router.put(artifacts_files.UPLOAD_PREFIX + "/{token}/{name}")
async def put_artifact_upload(token: str, name: str, request: Request, u: str = "",
                              exp: str = "", sig: str = "") -> Any:
    """A pending artifact's file or manifest, at the URL ``CreateArtifactFiles`` or
    ``CreateArtifactManifest`` signed (``artifacts_files.py``)."""
    try:
        await run_in_threadpool(lambda: artifacts_files.store_upload(
            request.app.state.store, request.app.state.signer, token, name, u, exp, sig,
            body_chunks(request)))
    except Exception as exc:
        return _refusal(exc)
    return {}


@router.get(artifacts_files.MANIFEST_PREFIX + "/{version_id}")
async def get_artifact_manifest(version_id: int, request: Request, u: str = "",
                                exp: str = "", sig: str = "") -> Any:
    """A stored artifact version's W&B manifest (``currentManifest{file{directUrl}}``)."""
    try:
        return await run_in_threadpool(artifacts_files.serve_manifest, request.app.state.store,
                                       request.app.state.signer, version_id, u, exp, sig)
    except Exception as exc:
        return _refusal(exc)


@router.get(artifacts_files.FILE_PREFIX + "/{version_id}/{path:path}")
async def get_artifact_file(version_id: int, path: str, request: Request, u: str = "",
                            exp: str = "", sig: str = "") -> Any:
    """A stored artifact version's file at the signed URL its ``files`` handed out."""
    try:
        return await run_in_threadpool(artifacts_files.serve_file, request.app.state.store,
                                       request.app.state.signer, version_id, path, u, exp,
                                       sig)
    except Exception as exc:
        return _refusal(exc)


@router.post("/sdk/otel/v1/{signal}")
async def client_telemetry(signal: str, request: Request) -> dict[str, str]:
    """The client's own OpenTelemetry metrics and logs (about itself, not the run): accepted and
    dropped, so the client does not print an export error at exit."""
    async for _ in request.stream():
        pass
    return {}
