"""``heron.login``: remembering a server URL and API key for later runs; and W&B's
``WANDB_BASE_URL``/``WANDB_API_KEY``, honoured only for a Heron server."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from heron.errors import ValueRejected
from heron.term import termwarn

API_KEY = re.compile(r"^(?:[A-Za-z0-9]+-)?[A-Za-z0-9_-]{40,}$")
WANDB_CLOUD_DOMAINS = ("wandb.ai", "wandb.io")
"""W&B's own hosts (and their subdomains): a key set for them is never sent anywhere."""
PROBE_TIMEOUT = 2.0
"""Seconds to wait for a ``WANDB_BASE_URL`` to say it is a Heron server."""

_probed: dict[str, str | None] = {}


def credentials_path() -> Path:
    base = os.environ.get("HERON_CONFIG_DIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "heron")
    return Path(base) / "credentials.json"


def read_credentials() -> dict[str, Any]:
    try:
        data = json.loads(credentials_path().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_key(key: str) -> str:
    """An API key is 40 or more of ``[A-Za-z0-9_-]`` after an optional ``name-`` prefix."""
    if not API_KEY.match(key):
        shown = key[:4] + "..." if len(key) > 4 else key
        raise ValueRejected(f"API key {shown!r} is malformed: expected 40 or more characters of "
                            "letters, digits, '_' or '-' (optionally after a 'name-' prefix)")
    return key


def login(key: str | None = None, host: str | None = None) -> bool:
    """Store ``host`` and ``key`` (file mode 0600) for later runs; True when done or not needed.

    Example:
        >>> heron.login(key="...40+ characters...", host="http://tracker:8080")
    """
    if key is None and host is None:
        return True  # the local store needs no login
    data = read_credentials()
    if host is not None:
        data["host"] = host.rstrip("/")
    if key is not None:
        data["api_key"] = check_key(key)
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    return True


def is_wandb_cloud(url: str) -> bool:
    """True for W&B's hosted service: ``api.wandb.ai``, any ``*.wandb.ai`` or ``*.wandb.io``."""
    host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in WANDB_CLOUD_DOMAINS)


def heron_server_problem(url: str, timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why ``url`` is not a Heron server, or None when it is: its ``/api/v1/health`` answers
    ``{"status": "ok", "version": ...}`` within ``timeout`` seconds. Asked without any key,
    and once per URL per process."""
    if url in _probed:
        return _probed[url]
    import httpx  # only when a WANDB_BASE_URL is set: ``import heron`` stays light

    problem: str | None = None
    try:
        response = httpx.get(url.rstrip("/") + "/api/v1/health", timeout=timeout,
                             follow_redirects=False)
        body = response.json() if response.status_code == 200 else None
        if not (isinstance(body, dict) and body.get("status") == "ok"
                and isinstance(body.get("version"), str)):
            problem = f"its /api/v1/health answered {response.status_code}, not Heron's reply"
    except (httpx.HTTPError, ValueError) as exc:
        problem = f"its /api/v1/health did not answer ({type(exc).__name__})"
    _probed[url] = problem
    return problem


def wandb_server() -> tuple[str, str | None] | None:
    """``(WANDB_BASE_URL, WANDB_API_KEY)`` when that URL is a Heron server, else None.

    A W&B cloud URL is refused without being contacted, and any other URL that does not
    answer as Heron is ignored, each with a warning: a W&B key is never sent anywhere but to a
    Heron server the user pointed ``WANDB_BASE_URL`` at.
    """
    url = (os.environ.get("WANDB_BASE_URL") or "").strip().rstrip("/")
    if not url:
        return None
    if is_wandb_cloud(url):
        termwarn(f"WANDB_BASE_URL={url} is W&B's cloud, not a Heron server: ignoring it and "
                 "WANDB_API_KEY (Heron never sends a W&B key anywhere); set HERON_HOST to log "
                 "to a Heron server", once=f"wandb-url:{url}")
        return None
    if not url.startswith(("http://", "https://")):
        termwarn(f"WANDB_BASE_URL={url!r} is not an http(s) URL; ignored", once=f"wandb-url:{url}")
        return None
    problem = heron_server_problem(url)
    if problem is not None:
        termwarn(f"WANDB_BASE_URL={url} is not a Heron server ({problem}): ignoring it and "
                 "WANDB_API_KEY; runs go to the local store", once=f"wandb-url:{url}")
        return None
    return url, os.environ.get("WANDB_API_KEY") or None
