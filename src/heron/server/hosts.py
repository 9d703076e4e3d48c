"""A server bound to the loopback interface answers only requests addressed to a loopback name.

``heron ui`` listens on 127.0.0.1 with open access: anything that reaches it may read and write
the local store. A site that points one of its own names at 127.0.0.1 (DNS rebinding) makes its
page same-origin with the server, so the browser would let it read the answers and pass the
CSRF checks. Such requests still carry the site's name in ``Host``: refusing every ``Host`` but
``localhost``, ``127.0.0.1`` and ``[::1]`` (any port) stops them. A server bound to another
address serves whatever names reach it (a proxy in front sets them)."""

from __future__ import annotations

import ipaddress

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    """``host`` (a name or address the server binds to) is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port (``[::1]:8080`` -> ``::1``)."""
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class LoopbackHosts:
    """ASGI middleware refusing (421) requests whose ``Host`` is not a loopback name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = host_name(Headers(scope=scope).get("host", "")).lower()
            if name not in LOOPBACK_NAMES and not name.startswith("127."):
                response = JSONResponse(
                    {"detail": f"this server listens on 127.0.0.1 only and answers requests "
                               f"for localhost or 127.0.0.1, not {name[:100]!r}"},
                    status_code=421)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(LoopbackHosts)
