"""The one place that turns Heron's errors into HTTP statuses, with the error's message as the
reason (``{"detail": message}``, the shape FastAPI's own errors have).

Routes raise ``heron.errors`` classes (or let the store's through) and translate nothing.

======================================================  ======
``ValueRejected`` (``BatchRejected``), ``SweepConfigError``,   422
``UsageError``
``NotFound`` (``RunNotFound``)                              404
``Conflict``                                                409
``PermissionDenied``                                        403
``AuthError``                                               401
``StoreError``                                              503
======================================================  ======

Anything else is a bug and stays a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from heron.errors import (
    AuthError,
    Conflict,
    Error,
    NotFound,
    PermissionDenied,
    StoreError,
    SweepConfigError,
    UsageError,
    ValueRejected,
)

STATUS: tuple[tuple[type[Error], int], ...] = (
    (ValueRejected, 422),
    (SweepConfigError, 422),
    (UsageError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (PermissionDenied, 403),
    (AuthError, 401),
    (StoreError, 503),
)
"""Error class -> status. Starlette picks the handler of the closest class in the exception's
MRO, so a subclass (``RunNotFound``, ``BatchRejected``) takes its base's status."""


def _respond(status: int, exc: Exception) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "5"}
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


def store_location(store: object) -> str:
    """Where the store's database is, for an operator: a SQLite file's path, or the
    PostgreSQL URL without its password ("" when unknown)."""
    url = getattr(store, "url", None)
    if not isinstance(url, str):
        return ""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return ""


def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 naming the database when the store's message does not ("attempt to write a
    readonly database" says why; the path says what to fix). Media errors are ``OSError``s
    that name their folder already."""
    message = str(exc)
    where = store_location(getattr(request.app.state, "store", None))
    if where and where not in message and not isinstance(exc, OSError):
        message = f"{message} (database: {where})"
    return _respond(503, StoreError(message))


def install(app: FastAPI) -> None:
    """Register the handlers of ``STATUS`` on ``app``."""
    for cls, status in STATUS:
        def handler(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            return _respond(status, exc)

        app.add_exception_handler(cls, handler)
    app.add_exception_handler(StoreError, _store_unavailable)  # replaces the plain 503
