"""What a run records about where it ran: host, OS, Python, command line, git state."""

from __future__ import annotations

import getpass
import os
import platform
import socket
import subprocess
import sys
from typing import Any


def quick_metadata() -> dict[str, Any]:
    """The facts that cost nothing to read (taken in ``init()`` itself)."""
    try:
        user = getpass.getuser()
    except Exception:
        user = None
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "user": user,
        "os": platform.platform(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "program": sys.argv[0] if sys.argv and sys.argv[0] else None,
        "args": list(sys.argv[1:]),
        "cwd": os.getcwd(),
        "cpu_count": os.cpu_count(),
    }


def _git(*args: str, cwd: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_metadata(cwd: str | None = None) -> dict[str, Any]:
    """The git remote, commit and dirty flag of the working directory (empty outside a repo)."""
    cwd = cwd or os.getcwd()
    commit = _git("rev-parse", "HEAD", cwd=cwd)
    if commit is None:
        return {}
    status = _git("status", "--porcelain", "--untracked-files=no", cwd=cwd)
    return {
        "git": {
            "commit": commit,
            "remote": _git("config", "--get", "remote.origin.url", cwd=cwd),
            "branch": _git("rev-parse", "--abbrev-ref", "HEAD", cwd=cwd),
            "dirty": bool(status),
        }
    }
