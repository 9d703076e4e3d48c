"""One HTTP client for every conversation with a heron server.

The run writer (``HttpSink``), the read API (``RemoteStore``) and remote sweeps
(``RemoteController``) all talk through ``ServerClient``: one place that builds URLs (every path
part quoted), retries, and turns an HTTP status into a ``heron.errors`` class:

==========================  ==================================================================
status                      raised
==========================  ==================================================================
401, 403                    ``AuthError`` (a ``CommError``)
404                         ``NotFound``
409                         ``Conflict``
408, 425, 429, 5xx          ``CommError`` (worth retrying later)
any other 4xx               ``ValueRejected`` (the server refused what was sent)
no connection               ``CommError``
==========================  ==================================================================

Retries: a request that could not connect (a server restarting) is retried with doubling
waits when the caller asks for it (``connect_retries``); a request that reached the server is
never sent twice by this module, so nothing is reserved or appended twice. The run writer keeps
its own, longer retry loop on top (it spools while it waits).

Example:
    >>> client = ServerClient("http://tracker:8080", api_key)
    >>> client.request("GET", client.path("projects", "my project", "runs")).json()
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from heron.errors import AuthError, CommError, Conflict, NotFound, ValueRejected

API = "/api/v1"


def _reason(response: Any) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    text = detail if isinstance(detail, str) else response.text
    return str(text)[:300]


def raise_for_status(response: Any, url: str, what: str) -> None:
    """Raise the ``heron.errors`` class for ``response``'s status (nothing below 400)."""
    status = response.status_code
    if status < 400:
        return
    reason = f"{url} refused {what}: {status} {_reason(response)}"
    if status in (401, 403):
        raise AuthError(f"{url} refused the API key ({status}); set HERON_API_KEY or run "
                        "`heron login`")
    if status == 404:
        raise NotFound(reason)
    if status == 409:
        raise Conflict(reason)
    if status in (408, 425, 429) or status >= 500:
        raise CommError(reason)
    raise ValueRejected(reason)


class ServerClient:
    """Requests to ``{host}/api/v1`` with the API key; see the module for errors and retries."""

    def __init__(self, host: str, api_key: str | None, *, timeout: float = 30.0,
                 accept: str | None = None) -> None:
        self.url = host.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        if accept:
            self._headers["Accept"] = accept
        self._client: Any = None

    @staticmethod
    def path(*parts: str) -> str:
        """``/a/b/c`` with every part quoted (a project or run id may hold any character)."""
        return "".join("/" + quote(str(part), safe="") for part in parts)

    def url_of(self, path: str) -> str:
        """The full URL of an API ``path`` (for links handed to users or browsers)."""
        return self.url + API + path

    @property
    def http(self) -> Any:
        if self._client is None:
            import httpx  # only when a server is used: ``import heron`` stays light

            # Redirects are followed: a server whose media live in a bucket answers a file
            # read with a presigned URL there (httpx drops the key on another origin).
            self._client = httpx.Client(base_url=self.url + API, headers=self._headers,
                                        timeout=self.timeout, follow_redirects=True)
        return self._client

    def request(self, method: str, path: str, *, what: str = "the request",
                connect_retries: int = 0, allow_404: bool = False, **kwargs: Any) -> Any:
        """Send one request; return the response, or raise as the module says.

        ``allow_404`` returns a 404 response instead of raising ``NotFound`` (lookups that
        answer "no such run" with None).
        """
        import httpx

        if "params" in kwargs and kwargs["params"] is not None:
            kwargs["params"] = {k: v for k, v in kwargs["params"].items() if v is not None}
        delay = 0.5
        attempt = 0
        while True:
            try:
                response = self.http.request(method, path, **kwargs)
                break
            except httpx.ConnectError as exc:
                attempt += 1
                if attempt > connect_retries:
                    raise CommError(f"{self.url}: cannot connect ({exc})") from exc
                time.sleep(delay)
                delay *= 2
            except httpx.TransportError as exc:
                raise CommError(f"{self.url}: {type(exc).__name__} ({exc})") from exc
        if not (allow_404 and response.status_code == 404):
            raise_for_status(response, self.url, what)
        return response

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def configured_server(settings: Any) -> tuple[str, str | None] | None:
    """The one answer to "is a server configured?" for the writer, the read API, sweeps and
    ``heron sync``: ``(host, api_key)`` from the resolved settings (``HERON_HOST``,
    ``heron login``), or None, and then the embedded store is used."""
    host = getattr(settings, "host", None)
    return (str(host), getattr(settings, "api_key", None)) if host else None
