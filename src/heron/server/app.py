"""The FastAPI application: the REST API under ``/api/v1`` and the dashboard at ``/``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from heron import __version__
from heron.errors import Error
from heron.server import csrf, errors, headers, hosts
from heron.server.auth import Authenticator
from heron.server.guard import AccessCache
from heron.server.routes import (
    admin,
    artifacts,
    charts,
    ingest,
    live,
    media,
    media_panels,
    project_access,
    run_table,
    runs,
    session,
    sweep_analysis,
    sweeps,
)
from heron.server.signing import Signer
from heron.server.wandb import router as wandb_router
from heron.store import SqlStore

STATIC_DIR = Path(__file__).parent / "static"

SETTLE_SECONDS = 30.0
"""How often the server records as crashed the runs whose heartbeats stopped
(``Store.settle_crashed``; reads already show them crashed). Every replica does it: it is
idempotent, and a late heartbeat revives the run."""

log = logging.getLogger("heron.server")

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Heron</title>
<body style="font-family: sans-serif; margin: 3em">
<h1>Heron</h1><p>The API is up at <a href="api/v1/health">api/v1/health</a>, but the dashboard
has not been built. Run <code>bash scripts/build-web.sh</code> (or
<code>bash scripts/install.sh</code>) and reload.</p></body>"""


async def _settle_every(store: SqlStore, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await run_in_threadpool(store.settle_crashed)
        except Error as exc:  # the database away for a while: try again next time
            log.warning("heron: settling crashed runs failed: %s", exc)


def create_app(store: SqlStore, *, access: str = "keys",
               static_dir: Path | None = STATIC_DIR,
               settle_seconds: float | None = SETTLE_SECONDS,
               loopback_only: bool = False) -> FastAPI:
    """The server over ``store``; ``access`` is keys, public-read or open (see serve.ACCESS).

    While it runs, it records crashed runs every ``settle_seconds`` (None: never)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = (asyncio.create_task(_settle_every(store, settle_seconds))
                if settle_seconds else None)
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="Heron", version=__version__, openapi_url="/api/v1/openapi.json",
                  docs_url="/api/v1/docs", redoc_url=None, lifespan=lifespan)
    errors.install(app)
    csrf.install(app)
    # Outer: refusals get the headers too. (No store: only the OpenAPI spec is wanted.)
    headers.install(app, static_dir, store.media.browser_origin() if store else None)
    if loopback_only:  # outermost: other names are refused before anything else runs
        hosts.install(app)
    app.state.store = store
    app.state.access = access
    app.state.auth = Authenticator(store, public_read=access in ("public-read", "open"),
                                   open_write=access == "open")
    app.state.access_cache = AccessCache(store)
    app.state.signer = Signer(store)

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    for router in (ingest.router, media.router, runs.router, live.router, sweeps.router,
                   charts.router, run_table.router, media_panels.router, sweep_analysis.router,
                   session.router, admin.router, project_access.router, artifacts.router):
        app.include_router(router, prefix="/api/v1")
    app.include_router(wandb_router)  # the official wandb client (docs/wandb-client.md)

    if static_dir is not None and (static_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=static_dir, html=True), name="dashboard")
    else:
        @app.get("/", response_class=HTMLResponse, include_in_schema=False)
        def not_built() -> str:
            return _NOT_BUILT

    return app
