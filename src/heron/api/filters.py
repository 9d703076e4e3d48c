"""MongoDB-style run filters and orderings, as ``wandb.Api().runs(filters=..., order=...)`` takes.

Fields: ``state``, ``display_name``, ``name`` (the run id), ``tags``, ``group``, ``job_type``,
``created_at`` (seconds), ``sweep``, ``user``, ``host``, ``config.KEY`` (also ``config.KEY.value``)
and ``summary_metrics.KEY``; operators ``$and $or $nor $not $eq $ne $gt $gte $lt $lte $in $nin
$regex $exists``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from heron.errors import ValueRejected
from heron.store.models import RunInfo

_MISSING = object()
_COMPARE = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$regex", "$exists")


def _nested(data: Mapping[str, Any], path: str) -> Any:
    if path in data:
        return data[path]
    head, _, rest = path.partition(".")
    if rest and head in data and isinstance(data[head], Mapping):
        return _nested(data[head], rest)
    return _MISSING


def field(run: RunInfo, name: str) -> Any:
    """The value of filter field ``name`` for ``run`` (``_MISSING`` when absent)."""
    if name.startswith("config."):
        key = name[len("config."):]
        value = _nested(run.config, key)
        if value is _MISSING and key.endswith(".value"):
            value = _nested(run.config, key[: -len(".value")])
        return value
    if name.startswith("summary_metrics.") or name.startswith("summary."):
        return _nested(run.summary, name.split(".", 1)[1])
    simple = {
        "state": run.state, "display_name": run.name, "name": run.run_id, "id": run.run_id,
        "tags": run.tags, "group": run.group, "job_type": run.job_type,
        "created_at": run.created_at, "updated_at": run.updated_at,
        "heartbeat_at": run.heartbeat_at,
        "sweep": run.sweep_id, "user": run.user, "username": run.user, "host": run.host,
        "notes": run.notes,
    }
    if name in simple:
        return simple[name]
    raise ValueRejected(f"unknown filter field {name!r}: use state, display_name, name, tags, "
                        "group, job_type, created_at, sweep, user, host, config.KEY or "
                        "summary_metrics.KEY")


def matches(run: RunInfo, query: Mapping[str, Any]) -> bool:
    """True when ``run`` satisfies the MongoDB-style ``query``."""
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(run, q) for q in condition):
                return False
        elif key == "$or":
            if not any(matches(run, q) for q in condition):
                return False
        elif key == "$nor":
            if any(matches(run, q) for q in condition):
                return False
        elif key.startswith("$"):
            raise ValueRejected(f"unknown filter operator {key!r}")
        elif not _test(field(run, key), condition):
            return False
    return True


def _test(value: Any, condition: Any) -> bool:
    if not (isinstance(condition, Mapping) and condition and
            all(str(k).startswith("$") for k in condition)):
        return _equal(value, condition)
    for op, operand in condition.items():
        if op == "$not":
            if _test(value, operand):
                return False
        elif op not in _COMPARE:
            raise ValueRejected(f"unknown filter operator {op!r}; known: {list(_COMPARE)}")
        elif not _compare(op, value, operand):
            return False
    return True


def _equal(value: Any, operand: Any) -> bool:
    if isinstance(value, list) and not isinstance(operand, list):
        return operand in value  # {"tags": "x"} matches runs tagged x, as in MongoDB
    return value is not _MISSING and value == operand


def _compare(op: str, value: Any, operand: Any) -> bool:
    if op == "$exists":
        return (value is not _MISSING and value is not None) == bool(operand)
    if op == "$eq":
        return _equal(value, operand)
    if op == "$ne":
        return not _equal(value, operand)
    if op == "$in":
        values = value if isinstance(value, list) else [value]
        return any(v in operand for v in values)
    if op == "$nin":
        values = value if isinstance(value, list) else [value]
        return not any(v in operand for v in values)
    if op == "$regex":
        return isinstance(value, str) and re.search(str(operand), value) is not None
    if value is _MISSING or value is None:
        return False
    try:
        if op == "$gt":
            return bool(value > operand)
        if op == "$gte":
            return bool(value >= operand)
        if op == "$lt":
            return bool(value < operand)
        return bool(value <= operand)
    except TypeError:
        return False


def sort_runs(runs: list[RunInfo], order: str | None) -> list[RunInfo]:
    """Sort by ``order`` (``"-created_at"``, ``"+summary_metrics.loss"``, ``"config.lr"``);
    runs without the field go last."""
    if not order:
        return runs
    descending = order.startswith("-")
    name = order.lstrip("+-")
    if name == "created_at":
        return sorted(runs, key=lambda r: (r.created_at, r.pk), reverse=descending)
    present = [(field(r, name), r) for r in runs]
    missing = [r for v, r in present if v is _MISSING or v is None]
    ranked = [(v, r) for v, r in present if v is not _MISSING and v is not None]
    try:
        ranked.sort(key=lambda item: item[0], reverse=descending)
    except TypeError:
        ranked.sort(key=lambda item: str(item[0]), reverse=descending)
    return [r for _, r in ranked] + missing
