"""Writing an ``ImportedRun`` through a sink, as numbered batches that a retry cannot repeat.

The batches of one source are always the same, in the same order, with the same sequence
numbers (1: the run's start, then history in slices of ``ROWS_PER_BATCH`` rows, last: the
summary, files and the end). The store applies a batch whose number it has seen as a no-op,
so an import that stopped half-way continues where it stopped; a finished import is marked in
the run's metadata (``imported.complete``) and is not read again at all.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heron import records as r
from heron.importers.model import ImportedRow, ImportedRun
from heron.media.base import Media
from heron.media.image_list import media_list_json
from heron.sdk.writer import RecordingMediaWriter, batch_media

ROWS_PER_BATCH = 1000


@dataclass
class ImportOutcome:
    """What happened to one run: ``written`` batches stored, or ``skipped`` (imported
    before, complete), and how many history rows the source holds."""

    run: ImportedRun
    written: int = 0
    rows: int = 0
    skipped: bool = False


def write_run(run: ImportedRun, sink: Any,
              on_rows: Callable[[int], None] | None = None) -> ImportOutcome:
    """Store ``run`` through ``sink`` (a ``LocalSink`` or ``HttpSink``), once.

    ``on_rows(count)`` is called as history rows go out (a progress bar's advance).

    Example:
        >>> write_run(imported, LocalSink("sqlite:///tmp/heron.db"))
        ImportOutcome(run=..., written=3, rows=1200)
    """
    outcome = ImportOutcome(run=run)
    existing = sink.fetch_run(run.project, run.run_id, run.entity or None)
    if existing is not None and (existing.metadata.get("imported") or {}).get("complete"):
        outcome.skipped = True
        return outcome
    staging = Path(tempfile.mkdtemp(prefix="heron-import-"))
    try:
        media = RecordingMediaWriter(staging)
        for batch in _batches(run, media, outcome, on_rows):
            files = [(rel, staging / rel) for rel in batch_media(batch)]
            if files:  # one question to the target per batch
                sink.deliver_media(files)
            sink.write(batch)
            outcome.written += 1
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return outcome


def _metadata(run: ImportedRun, complete: bool) -> dict[str, Any]:
    return {**run.metadata, "imported": {"source": run.source, "complete": complete}}


def _batches(run: ImportedRun, media: RecordingMediaWriter, outcome: ImportOutcome,
             on_rows: Callable[[int], None] | None) -> Iterator[r.Batch]:
    seq = 1
    start = r.RunStart(name=run.name, entity=run.entity, config=run.config, tags=run.tags,
                       notes=run.notes, group=run.group, job_type=run.job_type,
                       metadata=_metadata(run, complete=False), started_at=run.started_at)
    yield _batch(run, seq, [start], media)
    summary: dict[str, Any] = {}
    last_time = run.started_at
    for rows in _slices(run.rows(), ROWS_PER_BATCH):
        seq += 1
        records: list[r.Record] = []
        for row in rows:
            records.append(_history_row(run, row, media, summary))
            last_time = max(last_time, row.timestamp or last_time)
        outcome.rows += len(rows)
        yield _batch(run, seq, records, media, has_media=True)
        if on_rows is not None:
            on_rows(len(rows))
    seq += 1
    final: list[r.Record] = [r.SummarySet(summary=_resolve(
        run.summary if run.summary is not None else summary, media))]
    final.extend(_saved_file(name, path, media) for name, path in run.files if path.is_file())
    final.append(r.RunPatch(metadata=_metadata(run, complete=True)))
    final.append(r.RunEnd(state=run.state, exit_code=0 if run.state == "finished" else 1,
                          ended_at=run.ended_at or last_time))
    yield _batch(run, seq, final, media)


def _batch(run: ImportedRun, seq: int, records: list[r.Record], media: RecordingMediaWriter,
           has_media: bool = False) -> r.Batch:
    return r.Batch(project=run.project, run_id=run.run_id, entity=run.entity, seq=seq,
                   records=records, media=has_media, files=media.take())


def _history_row(run: ImportedRun, row: ImportedRow, media: RecordingMediaWriter,
                 summary: dict[str, Any]) -> r.HistoryRow:
    values = _resolve(row.values, media)
    values["_step"] = row.step
    if row.timestamp is not None:
        values["_timestamp"] = row.timestamp
        values["_runtime"] = max(0.0, row.timestamp - run.started_at)
    summary.update(values)
    return r.HistoryRow(step=row.step, row=values)


def _resolve(values: dict[str, Any], media: RecordingMediaWriter) -> dict[str, Any]:
    """``values`` with each Heron media value written and replaced by its reference."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Media):
            out[key] = value.to_json(media)
        elif isinstance(value, list):
            listed = media_list_json(value, media)
            out[key] = value if listed is None else listed
        else:
            out[key] = value
    return out


def _saved_file(name: str, path: Path, media: RecordingMediaWriter) -> r.FileSaved:
    data = path.read_bytes()
    # The stored copy's suffix keeps only what a media path may hold; the name keeps the rest.
    suffix = re.sub(r"[^A-Za-z0-9._-]", "", path.suffix)[:16]
    stored = media.put(data, suffix)
    return r.FileSaved(name=name, path=stored, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest())


def _slices(rows: Iterable[ImportedRow], size: int) -> Iterator[list[ImportedRow]]:
    chunk: list[ImportedRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
