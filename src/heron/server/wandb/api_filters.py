"""W&B's run filters and orders (``wandb.Api().runs(filters=..., order=...)``) in Heron's terms,
so ``heron.api.filters`` (what ``heron.Api().runs`` uses) picks and sorts the runs.

The client sends the user's MongoDB-style filter as a JSON string, unchanged, and the order
as written (``+created_at``, ``-summary_metrics.acc``, ``config.lr.value``). W&B's server takes
its GraphQL names too (``createdAt``, ``displayName``, ``jobType``, ``summaryMetrics.x``) and
times as ISO strings; Heron's filters take snake_case names and times in seconds.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from heron.api.filters import matches, sort_runs
from heron.server.wandb.context import BadRequest
from heron.store import RunInfo

_NAMES = {
    "createdAt": "created_at", "updatedAt": "updated_at", "heartbeatAt": "heartbeat_at",
    "displayName": "display_name", "jobType": "job_type", "username": "user",
    "sweepName": "sweep", "groupName": "group", "description": "notes",
    "duration": "summary_metrics._runtime",
}
_PREFIXES = {"summaryMetrics.": "summary_metrics.", "summary.": "summary_metrics."}
_TIMES = {"created_at", "updated_at", "heartbeat_at"}


def field_name(name: str) -> str:
    """Heron's filter field for W&B's ``name``."""
    if name in _NAMES:
        return _NAMES[name]
    for prefix, heron in _PREFIXES.items():
        if name.startswith(prefix):
            return heron + name[len(prefix):]
    return name


def _seconds(value: Any) -> Any:
    """An ISO time (W&B's, zone-less = UTC) as seconds; numbers pass (Heron's own)."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest(f"time {value[:100]!r} in the filter is not an ISO 8601 time "
                         "(2024-05-01T12:00:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def _times(condition: Any) -> Any:
    if isinstance(condition, Mapping):
        return {op: _times(operand) for op, operand in condition.items()}
    if isinstance(condition, list):
        return [_times(v) for v in condition]
    return _seconds(condition)


def translate(query: Any) -> dict[str, Any]:
    """W&B's filter as one ``heron.api.filters.matches`` takes."""
    if not isinstance(query, Mapping):
        raise BadRequest(f"filters must be a JSON object, not {str(query)[:200]!r}")
    out: dict[str, Any] = {}
    for key, condition in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(condition, list):
                raise BadRequest(f"{key} takes a list of filters, not {condition!r}")
            out[key] = [translate(q) for q in condition]
            continue
        name = field_name(str(key))
        out[name] = _times(condition) if name in _TIMES else condition
    return out


def parse_filters(raw: Any) -> dict[str, Any]:
    """The ``filters`` argument (a JSON string, or already an object) in Heron's terms."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise BadRequest(f"filters is not JSON ({exc}): {raw[:200]!r}") from None
    return translate(raw)


def order_of(raw: Any) -> str:
    """W&B's order (``+created_at`` when none) as ``heron.api.filters.sort_runs`` takes it."""
    if raw is None or raw == "":
        return "+created_at"
    if not isinstance(raw, str):
        raise BadRequest(f"order must be a string like -summary_metrics.acc, not {raw!r}")
    sign = "-" if raw.startswith("-") else "+"
    return sign + field_name(raw.lstrip("+-"))


def pick(infos: list[RunInfo], filters: Any) -> list[RunInfo]:
    """The runs ``filters`` picks. Raises ``ValueRejected`` (422) naming an unknown field or
    operator, ``BadRequest`` for a filter that is not one."""
    query = parse_filters(filters)
    return [info for info in infos if matches(info, query)] if query else list(infos)


def ordered(infos: list[RunInfo], order: Any) -> list[RunInfo]:
    """``infos`` in W&B's ``order``; runs lacking the field last."""
    return sort_runs(infos, order_of(order))
