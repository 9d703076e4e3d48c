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


def install(app: FastAPI) -> None:
    """Register the handlers of ``STATUS`` on ``app``."""
    for cls, status in STATUS:
        def handler(request: Request, exc: Exception, status: int = status) -> JSONResponse:
            return _respond(status, exc)

        app.add_exception_handler(cls, handler)
