"""What every importer hands over: a run read from another tracker, in Heron's terms."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heron.errors import Error

_ID_CHARS = re.compile(r"[^A-Za-z0-9_.\-]")


class ImportSourceError(Error):
    """What was asked to import cannot be read: no such folder or store, not the expected
    format, or the package that reads it is not installed (the message says which)."""


@dataclass
class ImportedRow:
    """One history row at ``step``; ``values`` may hold Heron media (``Image``,
    ``Histogram``); ``timestamp`` is the source's wall time, when it kept one."""

    step: int
    values: dict[str, Any]
    timestamp: float | None = None


@dataclass
class ImportedRun:
    """A run to write: identity, what is known about it, and its history (read lazily, in
    step order, by ``rows()``) and files (name in the run -> file on disk)."""

    project: str
    run_id: str
    name: str
    source: str
    started_at: float
    rows: Callable[[], Iterable[ImportedRow]]
    ended_at: float | None = None
    state: str = "finished"
    entity: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] | None = None
    """The source's own summary; None: the last value of each key, as Heron keeps it."""
    tags: list[str] = field(default_factory=list)
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    files: list[tuple[str, Path]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


def stable_run_id(kind: str, *parts: str) -> str:
    """A run id that the same source always gets, so a second import finds the first.

    A source id that is already a valid run id is kept (with the importer's prefix, so two
    trackers cannot collide); anything else becomes a digest.

    Example:
        >>> stable_run_id("tb", "/logs/exp1")
        'tb-3c5f0e...'
    """
    joined = "/".join(parts)
    if len(parts) == 1 and not _ID_CHARS.search(joined) and len(joined) <= 48:
        return f"{kind}-{joined}"
    return f"{kind}-{hashlib.sha256(joined.encode()).hexdigest()[:20]}"
