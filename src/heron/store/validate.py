"""Checking a ``Batch`` holds only values both SQL backends can keep, before writing any of it.

msgpack carries ints up to 2**64 - 1 and floats such as NaN; the tables hold int64 columns and
non-null times. Past the limits of ``heron.limits`` (nesting depth, keys per row, key and
string lengths, media paths and file names that must stay inside their folder), readers break
or a viewer's browser is sent elsewhere. A batch outside that is refused whole with
``BatchRejected`` (a ``heron.errors.ValueRejected`` naming the record, the key and the limit),
the same on SQLite and PostgreSQL, instead of failing half-way with a driver error that
differs between them, or being stored and breaking every page that shows the run.
"""

from __future__ import annotations

import math
import re
from itertools import chain
from typing import Any

from heron import limits
from heron import records as r
from heron.artifacts import manifest
from heron.errors import ValueRejected
from heron.store.chunks import INT64_MAX, INT64_MIN


class BatchRejected(ValueRejected):
    """A batch holds a value the store cannot keep; nothing of it was written."""


# A history row of only these needs no walk: its keys are all that can be over a limit.
_FLAT = frozenset({float, int, bool, type(None)})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _int64(value: int, what: str) -> None:
    if not INT64_MIN <= value <= INT64_MAX:
        raise BatchRejected(f"{what} {value} does not fit a 64-bit signed integer")


def _time(value: float, what: str) -> None:
    if math.isnan(value):
        raise BatchRejected(f"{what} is NaN; expected seconds since the epoch")


def _shown(key: Any) -> str:
    text = repr(key[:60]) + "..." if type(key) is str and len(key) > 60 else repr(key)
    return text


def _text(value: str | None, what: str) -> None:
    if value is not None:
        problem = limits.text_problem(value)
        if problem is not None:
            raise BatchRejected(f"{what} {problem}")


def _mapping(mapping: dict[str, Any], what: str) -> None:
    found = limits.mapping_problem(mapping)
    if found is not None:
        key, problem = found
        raise BatchRejected(f"{what} key {_shown(key)} {problem}")


def _row(row: dict[str, Any], what: str) -> None:
    if len(row) > limits.MAX_ROW_KEYS:
        raise BatchRejected(f"{what} has {len(row):,} keys; the limit is "
                            f"{limits.MAX_ROW_KEYS:,} per row")
    _mapping(row, what)


def _rows_are_flat(rows: list[dict[str, Any]]) -> bool:
    """Numbers only, not too many keys, none too long: the common rows, checked together in a
    few passes that run in C (a batch holds up to tens of thousands of rows)."""
    if not rows:
        return True
    if max(map(len, rows)) > limits.MAX_ROW_KEYS:
        return False
    # set() first: a few distinct types looked up once each, not one lookup per value.
    if not _FLAT.issuperset(set(map(type, chain.from_iterable(map(dict.values, rows))))):
        return False
    try:
        return max(map(len, set().union(*rows)), default=0) <= limits.MAX_KEY_LENGTH
    except TypeError:  # a key that is not a string (a caller of the store's own): name it
        return False


def check_batch(batch: r.Batch) -> None:
    """Raise ``BatchRejected`` when ``batch`` holds a value the store cannot keep; the message
    names the batch, the record and the value."""
    try:
        _check(batch)
    except BatchRejected as exc:
        raise BatchRejected(f"batch {batch.seq} of run {batch.run_id!r} refused: {exc}") from None


def _check(batch: r.Batch) -> None:
    _int64(batch.seq, "batch seq")
    _text(batch.entity, "the batch's entity")
    for path in batch.files:
        problem = limits.media_path_problem(path)
        if problem is not None:
            raise BatchRejected(f"the batch's files: {problem}")
    # History rows are most of a batch: checked together, then one by one only to find and
    # name what is wrong.
    history = [rec for rec in batch.records if type(rec) is r.HistoryRow]
    steps = [rec.step for rec in history]
    if steps and not (min(steps) >= INT64_MIN and max(steps) <= INT64_MAX):
        for step in steps:
            _int64(step, "HistoryRow step")
    if not _rows_are_flat([h.row for h in history]):
        for h in history:
            if not _rows_are_flat([h.row]):
                _row(h.row, f"HistoryRow at step {h.step}")
    for rec in batch.records:
        if type(rec) is not r.HistoryRow:
            _check_record(rec)


def _check_record(rec: r.Record) -> None:
    name = type(rec).__name__
    if isinstance(rec, r.SystemSample):
        _int64(rec.index, f"{name} index")
        if not _rows_are_flat([rec.row]):
            _row(rec.row, f"{name} {rec.index}")
    elif isinstance(rec, r.RunStart):
        _time(rec.started_at, f"{name} started_at")
        if math.isnan(rec.heartbeat_interval):
            raise BatchRejected(f"{name} heartbeat_interval is NaN; expected seconds")
        for field in ("name", "entity", "notes", "group", "job_type", "sweep_id"):
            _text(getattr(rec, field), f"{name} {field}")
        for tag in rec.tags:
            _text(tag, f"{name} tag {_shown(tag)}")
        _mapping(rec.config, "config")
        _mapping(rec.metadata, "metadata")
    elif isinstance(rec, r.RunPatch):
        _text(rec.name, f"{name} name")
        _text(rec.notes, f"{name} notes")
        for tag in rec.tags or ():
            _text(tag, f"{name} tag {_shown(tag)}")
        if rec.metadata is not None:
            _mapping(rec.metadata, "metadata")
    elif isinstance(rec, r.ConfigSet):
        _mapping(rec.config, "config")
    elif isinstance(rec, r.SummarySet):
        _mapping(rec.summary, "summary")
    elif isinstance(rec, r.MetricsSet):
        _mapping(rec.metrics, "metric definitions")
    elif isinstance(rec, r.RunEnd):
        _int64(rec.exit_code, f"{name} exit_code")
        _time(rec.ended_at, f"{name} ended_at")
        _text(rec.state, f"{name} state")
        _text(rec.traceback, f"{name} traceback")
    elif isinstance(rec, r.FileSaved):
        _int64(rec.size, f"{name} size")
        problem = limits.file_name_problem(rec.name)
        if problem is not None:
            raise BatchRejected(f"{name}: {problem}")
        problem = limits.media_path_problem(rec.path)
        if problem is not None:
            raise BatchRejected(f"{name} {_shown(rec.name)}: {problem}")
    elif isinstance(rec, r.ConsoleLine):
        _time(rec.timestamp, f"{name} timestamp")
        _text(rec.stream, f"{name} stream")
        _text(rec.text, f"{name} text")
    elif isinstance(rec, r.Alert):
        _time(rec.timestamp, f"{name} timestamp")
        for field in ("title", "text", "level"):
            _text(getattr(rec, field), f"{name} {field}")
    elif isinstance(rec, r.ArtifactLog):
        _artifact_log(rec)
    elif isinstance(rec, r.ArtifactUse):
        _problem(manifest.name_problem(rec.name), name)
        _text(rec.project, f"{name} project")
        _text(rec.entity, f"{name} entity")
        _int64(rec.version, f"{name} version")
        _time(rec.used_at, f"{name} used_at")


def _problem(problem: str | None, what: str) -> None:
    if problem is not None:
        raise BatchRejected(f"{what}: {problem}")


def _artifact_log(rec: r.ArtifactLog) -> None:
    what = f"artifact {_shown(rec.name)}"
    _problem(manifest.name_problem(rec.name), "ArtifactLog")
    _problem(manifest.name_problem(rec.artifact_type, "artifact type"), what)
    for alias in rec.aliases:
        _problem(manifest.alias_problem(alias), what)
    _text(rec.description, f"{what} description")
    _mapping(rec.metadata, f"{what} metadata")
    _time(rec.logged_at, f"{what} logged_at")
    seen: set[str] = set()
    for entry in rec.entries:
        _problem(manifest.entry_path_problem(entry.path), what)
        if entry.path in seen:
            raise BatchRejected(f"{what}: the path {_shown(entry.path)} is listed twice")
        seen.add(entry.path)
        _int64(entry.size, f"{what} {_shown(entry.path)} size")
        if entry.sha256 is not None and not _SHA256.match(entry.sha256):
            raise BatchRejected(f"{what} {_shown(entry.path)}: sha256 must be 64 hex digits")
        if entry.media is not None:
            _problem(limits.media_path_problem(entry.media), f"{what} {_shown(entry.path)}")
        if entry.ref is not None:
            _text(entry.ref, f"{what} {_shown(entry.path)} reference")
            if not entry.ref.startswith(manifest.REFERENCE_SCHEMES):
                raise BatchRejected(f"{what} {_shown(entry.path)}: reference "
                                    f"{_shown(entry.ref)} is not one of "
                                    f"{', '.join(manifest.REFERENCE_SCHEMES)}")
        elif entry.media is None or entry.sha256 is None:
            raise BatchRejected(f"{what} {_shown(entry.path)}: an entry holds a stored file "
                                "(sha256 and media) or a reference (ref)")
