"""``heron.login``: remembering a server URL and API key for later runs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from heron.errors import ValueRejected

API_KEY = re.compile(r"^(?:[A-Za-z0-9]+-)?[A-Za-z0-9_-]{40,}$")


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
