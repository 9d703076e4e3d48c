"""Typed results of store queries, handed to the SDK's ``Api``, the CLI and the server."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

STREAM_HISTORY = 0
STREAM_SYSTEM = 1
STREAMS = {"default": STREAM_HISTORY, "history": STREAM_HISTORY, "system": STREAM_SYSTEM,
           "events": STREAM_SYSTEM}


@dataclasses.dataclass
class RunInfo:
    """One run as stored: identity, state, config, summary and bookkeeping."""

    pk: int
    entity: str
    project: str
    run_id: str
    name: str
    state: str
    config: dict[str, Any]
    summary: dict[str, Any]
    metrics: dict[str, dict[str, Any]]
    tags: list[str]
    metadata: dict[str, Any]
    notes: str | None
    group: str | None
    job_type: str | None
    sweep_id: str | None
    user: str | None
    host: str | None
    pid: int | None
    created_at: float
    updated_at: float
    heartbeat_at: float
    heartbeat_interval: float
    ended_at: float | None
    exit_code: int | None
    traceback: str | None
    last_step: int
    history_rows: int
    last_seq: int = 0
    """The last batch sequence number applied; a resumed writer continues after it."""
    stop_requested_at: float | None = None
    """When a stop of the running run was asked for (``SqlStore.request_run_stop``)."""


@dataclasses.dataclass
class ProjectInfo:
    entity: str
    name: str
    created_at: float
    run_count: int
    last_activity: float | None


@dataclasses.dataclass
class Series:
    """One metric of one run: ``steps`` ascending, ``values`` aligned (numeric or object)."""

    key: str
    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return int(self.steps.shape[0])


@dataclasses.dataclass
class ConsoleLineInfo:
    id: int
    stream: str
    timestamp: float
    text: str


@dataclasses.dataclass
class FileInfo:
    """A file of a run: ``path`` is where its bytes sit under the media root, or empty for a
    file made from the run's data (``config.yaml``...), whose bytes are in ``content``."""

    name: str
    path: str
    size: int
    sha256: str
    updated_at: float
    content: bytes | None = dataclasses.field(default=None, repr=False)
