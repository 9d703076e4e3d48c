"""Store records as the JSON the API and the dashboard read."""

from __future__ import annotations

import time
from typing import Any

from heron.limits import cut_values
from heron.store.models import RunInfo


def compact(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with histograms reduced to their ``_type``: run lists and live events then
    stay small for a model whose ``watch()`` logs thousands of them (image, table and module-tree
    references are small and kept whole)."""
    return {k: {"_type": "histogram"} if isinstance(v, dict) and v.get("_type") == "histogram"
            else v for k, v in summary.items()}


def run_json(info: RunInfo, full: bool = False) -> dict[str, Any]:
    """A run for the API; ``full`` adds metadata and keeps media values in the summary.

    Values nested past ``heron.limits.MAX_DEPTH`` (stored before the store refused them) are
    cut there (``heron.limits.cut_values``), so the run still lists."""
    end = info.ended_at or (info.heartbeat_at if info.state != "running" else time.time())
    out: dict[str, Any] = {
        "id": info.run_id, "name": info.name, "project": info.project, "entity": info.entity,
        "state": info.state, "created_at": info.created_at, "updated_at": info.updated_at,
        "heartbeat_at": info.heartbeat_at, "ended_at": info.ended_at,
        "runtime": max(0.0, end - info.created_at), "tags": info.tags, "notes": info.notes,
        "group": info.group, "job_type": info.job_type, "sweep_id": info.sweep_id,
        "user": info.user, "host": info.host, "config": cut_values(info.config),
        "summary": cut_values(info.summary if full else compact(info.summary)),
        "metrics": cut_values(info.metrics), "last_step": info.last_step,
        "history_rows": info.history_rows, "stop_requested_at": info.stop_requested_at,
    }
    if full:
        out.update(metadata=cut_values(info.metadata), exit_code=info.exit_code,
                   traceback=info.traceback,
                   heartbeat_interval=info.heartbeat_interval, last_seq=info.last_seq)
    return out
