"""Checking a ``Batch`` holds only values both SQL backends can keep, before writing any of it.

msgpack carries ints up to 2**64 - 1 and floats such as NaN; the tables hold int64 columns and
non-null times. A batch outside that is refused whole with ``BatchRejected`` (a
``heron.errors.ValueRejected`` naming the record and value), the same on SQLite and PostgreSQL,
instead of failing half-way with a driver error that differs between them.
"""

from __future__ import annotations

import math

from heron import records as r
from heron.errors import ValueRejected
from heron.store.chunks import INT64_MAX, INT64_MIN


class BatchRejected(ValueRejected):
    """A batch holds a value the store cannot keep; nothing of it was written."""


def _int64(value: int, what: str) -> None:
    if not INT64_MIN <= value <= INT64_MAX:
        raise BatchRejected(f"{what} {value} does not fit a 64-bit signed integer")


def _time(value: float, what: str) -> None:
    if math.isnan(value):
        raise BatchRejected(f"{what} is NaN; expected seconds since the epoch")


def check_batch(batch: r.Batch) -> None:
    """Raise ``BatchRejected`` when ``batch`` holds a value the store cannot keep; the message
    names the batch, the record and the value."""
    try:
        _check(batch)
    except BatchRejected as exc:
        raise BatchRejected(f"batch {batch.seq} of run {batch.run_id!r} refused: {exc}") from None


def _check(batch: r.Batch) -> None:
    _int64(batch.seq, "batch seq")
    for rec in batch.records:
        if type(rec) is r.HistoryRow:  # most records: checked inline, without a call
            if not INT64_MIN <= rec.step <= INT64_MAX:
                _int64(rec.step, "HistoryRow step")
            continue
        name = type(rec).__name__
        if isinstance(rec, r.SystemSample):
            _int64(rec.index, f"{name} index")
        elif isinstance(rec, r.RunStart):
            _time(rec.started_at, f"{name} started_at")
            if math.isnan(rec.heartbeat_interval):
                raise BatchRejected(f"{name} heartbeat_interval is NaN; expected seconds")
        elif isinstance(rec, r.RunEnd):
            _int64(rec.exit_code, f"{name} exit_code")
            _time(rec.ended_at, f"{name} ended_at")
        elif isinstance(rec, r.FileSaved):
            _int64(rec.size, f"{name} size")
        elif isinstance(rec, (r.ConsoleLine, r.Alert)):
            _time(rec.timestamp, f"{name} timestamp")
