"""Refusing writes that another site's page could make in its visitor's browser (CSRF).

A page on any site can make its visitor's browser send a POST to a Heron server (``heron ui``
on 127.0.0.1 included): a ``<form>``, or ``fetch(..., {mode: "no-cors"})``. Such a request
carries the visitor's cookies and reaches a server that trusts its network, so every request
that changes something (POST, PUT, PATCH, DELETE) is refused when

- the browser says it comes from another site (``Sec-Fetch-Site: cross-site`` or
  ``same-site``: another port of the same host is another site's page too) -> 403;
- it names an ``Origin`` that is not the server's own (``Host``), ``null`` included -> 403;
- it is a POST whose body has a type a form or a no-cors fetch can send (``text/plain``,
  ``application/x-www-form-urlencoded``, ``multipart/form-data``, or no type at all) -> 415.
  Any other type makes a browser ask first (a CORS preflight), which this server never grants.
  Heron's clients send ``application/msgpack``, ``application/octet-stream`` or
  ``application/json``.

Clients that are not browsers send neither ``Origin`` nor ``Sec-Fetch-Site`` and pass on the
first two rules; only the body type is asked of them. PUT, PATCH and DELETE cannot be sent
cross-site without a preflight at all.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded",
                        "multipart/form-data"})
"""The body types a cross-site page can send without the browser asking the server first."""
ACCEPTED_TYPES = ("application/msgpack", "application/octet-stream", "application/json")
"""What the 415 suggests (Heron's own clients send these); any other non-form type passes."""
OTHER_SITE = frozenset({"cross-site", "same-site"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _split_host(host: str) -> tuple[str, int | None]:
    """``("example.org", 8080)`` from ``example.org:8080``; IPv6 literals keep their brackets
    out; no port gives None."""
    parsed = urlsplit("//" + host)
    try:
        port = parsed.port
    except ValueError:  # a port that is no number: cannot match anything
        return host.lower(), -1
    return (parsed.hostname or "").lower(), port


def same_origin(origin: str, host: str) -> bool:
    """Whether the ``Origin`` header names the server reached by ``host`` (the ``Host``
    header). The scheme is not compared: behind a TLS proxy the page is ``https://`` while the
    server hears plain HTTP; a ``Host`` without a port matches the origin's default port."""
    parts = urlsplit(origin)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return False  # "null" (sandboxed frames, no-referrer pages), file:, extensions...
    try:
        origin_port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    host_name, host_port = _split_host(host)
    return (parts.hostname.lower() == host_name
            and origin_port == (host_port or _DEFAULT_PORTS[parts.scheme]))


TELEMETRY_PATH = "/sdk/otel/"
"""The official client's telemetry about itself (``wandb.routes``: read and dropped), which it
posts without a Content-Type; nothing is stored, so a forged one changes nothing."""


def refusal(method: str, headers: Headers, path: str = "") -> tuple[int, str] | None:
    """``(status, reason)`` when a request must be refused as forgeable, else None."""
    if method not in STATE_CHANGING:
        return None
    site = headers.get("sec-fetch-site", "").lower()
    if site in OTHER_SITE:
        return 403, (f"a {method} from another site's page is refused (Sec-Fetch-Site: {site}); "
                     "use the dashboard on this server, or a client outside the browser")
    origin = headers.get("origin")
    if origin is not None and not same_origin(origin, headers.get("host", "")):
        return 403, (f"a {method} from the page {origin[:200]!r} is refused: it is not this "
                     f"server ({headers.get('host', '')[:200]!r}). Behind a proxy, pass the "
                     "Host header through (nginx: proxy_set_header Host $host)")
    if method == "POST" and not path.startswith(TELEMETRY_PATH):
        raw = headers.get("content-type", "")
        essence = raw.split(";", 1)[0].strip().lower()
        if essence in FORM_TYPES or not essence:
            shown = repr(raw[:100]) if raw else "none"
            return 415, (f"a POST body of type {shown} is refused (a form or another site's "
                         f"page can send it); send Content-Type: {', '.join(ACCEPTED_TYPES)}")
    return None


class CrossSiteGuard:
    """ASGI middleware applying ``refusal`` before any route (or its key check) runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = refusal(scope["method"].upper(), Headers(scope=scope),
                              scope.get("path", ""))
            if refused is not None:
                status, reason = refused
                # The shape of every other error ({"detail": ...}, heron.server.errors).
                await JSONResponse({"detail": reason}, status_code=status)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Add ``CrossSiteGuard`` to ``app``."""
    app.add_middleware(CrossSiteGuard)
