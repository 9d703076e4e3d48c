"""``run.log_code``: which source files under a folder are saved, as which artifact."""

from __future__ import annotations

import inspect
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.errors import ValueRejected
from heron.term import termwarn

if TYPE_CHECKING:
    from heron.artifacts.artifact import Artifact
    from heron.sdk.run import Run

PathFilter = Callable[..., bool]
"""``fn(path, root) -> bool`` (or ``fn(path)``), as W&B's ``include_fn``/``exclude_fn``."""

SKIPPED_DIRS = frozenset({"wandb", "node_modules", "__pycache__", "site-packages"})
"""Folders never searched for code, besides hidden ones (``.git``, ``.venv``, ``.heron``):
W&B's default skips its ``wandb`` folder; a virtual environment under the root would otherwise
add thousands of files that are not the user's code."""


def default_include(path: str, root: str) -> bool:
    """W&B's default: Python files."""
    return path.endswith(".py")


def default_exclude(path: str, root: str) -> bool:
    """Files under ``SKIPPED_DIRS`` or a hidden folder (relative to ``root``)."""
    parts = Path(os.path.relpath(path, root)).parts[:-1]
    return any(part in SKIPPED_DIRS or part.startswith(".") for part in parts)


def _call(fn: PathFilter, path: str, root: str) -> bool:
    """Call a filter that takes ``(path, root)`` or only ``(path)``, as W&B allows both."""
    try:
        positional = [p for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    except (TypeError, ValueError):  # a builtin without a signature
        positional = []
    takes_root = not positional or len(positional) >= 2 or any(
        p.kind is p.VAR_POSITIONAL for p in positional)
    return bool(fn(path, root) if takes_root else fn(path))


def code_files(root: str | Path, include_fn: PathFilter = default_include,
               exclude_fn: PathFilter = default_exclude) -> list[tuple[Path, str]]:
    """``(file, name in the artifact)`` for each file under ``root`` that ``include_fn``
    accepts and ``exclude_fn`` does not, sorted by name; names are relative to ``root``.

    Example:
        >>> code_files("src", include_fn=lambda path, root: path.endswith((".py", ".yaml")))
        [(PosixPath('src/train.py'), 'train.py'), ...]
    """
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise ValueRejected(f"log_code root={str(root)!r} is not a folder")
    base = str(folder)
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(base):
        if exclude_fn is default_exclude:  # not worth walking: nothing in them would be kept
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith(".")]
        for filename in filenames:
            path = os.path.join(dirpath, filename)
            if _call(include_fn, path, base) and not _call(exclude_fn, path, base):
                found.append((Path(path), Path(os.path.relpath(path, base)).as_posix()))
    return sorted(found, key=lambda item: item[1])


def code_artifact_name(project: str, run_id: str, program: Any = None) -> str:
    """W&B's default name, ``source-<project>-<program path>``, made safe for an artifact
    name (letters, digits, ``_``, ``-``, ``.``; at most 128); the run id stands in for the
    program in a notebook or an interactive session."""
    script = sys.argv[0] if program is None and sys.argv and sys.argv[0] else program
    if script and Path(str(script)).is_file():
        try:
            where = os.path.relpath(str(script))
        except ValueError:  # another drive on Windows
            where = Path(str(script)).name
    else:
        where = run_id
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"source-{project}-{where}")[:128]


def log_code(run: Run, root: str | Path | None, name: str | None,
             include_fn: PathFilter | None, exclude_fn: PathFilter | None) -> Artifact | None:
    """Log the matching files under ``root`` from ``run`` as a ``code`` artifact; None (with a
    warning) when none matches."""
    from heron.artifacts.artifact import Artifact

    folder = root if root is not None else "."
    files = code_files(folder, include_fn or default_include, exclude_fn or default_exclude)
    if not files:
        termwarn(f"log_code: no file under {folder} matched; no code was logged")
        return None
    art = Artifact(name or code_artifact_name(run.project, run.id), "code")
    for path, stored_as in files:
        art.add_file(path, name=stored_as)
    logged: Artifact = run.log_artifact(art)
    return logged
