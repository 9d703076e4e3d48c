"""Helpers for SDK tests: read what a run stored, the way a user would (through heron.Api)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import heron


def stored_rows(run_path: str) -> list[dict[str, Any]]:
    """Every stored history row, without the timing keys."""
    run = heron.Api().run(run_path)
    return [{k: v for k, v in row.items() if k not in ("_timestamp", "_runtime")}
            for row in run.scan_history()]


def run_script(code: str, tmp_path: Path, *, env: dict[str, str] | None = None,
               timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` as a script in a fresh interpreter with the test's HERON_DIR."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, str(script)], env=full_env, capture_output=True,
                          text=True, timeout=timeout, cwd=tmp_path)


def start_script(code: str, tmp_path: Path, *, env: dict[str, str] | None = None,
                 name: str = "script.py") -> subprocess.Popen[str]:
    script = tmp_path / name
    script.write_text(textwrap.dedent(code))
    return subprocess.Popen([sys.executable, str(script)], env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=tmp_path)
