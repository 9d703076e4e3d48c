"""``POST /files/{entity}/{project}/{run}/file_stream``: the client's history, system metrics,
console and summary, as line chunks with offsets, turned into Heron's records.

Exactly once, across retries, replicas and restarts: every line of the append-only files
(``wandb-history.jsonl``, ``wandb-events.jsonl``, ``output.log``) has an offset, so the
number of lines consumed so far only grows. A post's batch carries ``seq`` = the sum of the
three files' lines consumed after it (plus a per-run base), and the store applies a batch
only when its ``seq`` is above the run's last one, in the same transaction as its rows: a
resent chunk stores nothing twice. Which lines of a chunk are new is read from per-run
counters kept in memory and rebuilt from the store when its ``last_seq`` says another
process wrote meanwhile. ``wandb-summary.json`` is whole each time (replace); ``complete``
and ``exitcode`` end the run.

``output.log`` is the one file whose old lines change: the client sends a line again at its
old offset when it was redrawn in place (a progress bar's ``\r``). Such a line replaces the
run's console line of that number (``ConsoleLine.index``; a W&B run's console lines are its
``output.log`` lines, in order, across resumes), which is idempotent, so it needs no ``seq``
of its own.

``"preempting": true`` (``wandb.mark_preempting()``: the job is about to be preempted) sets
``preempting: true`` in the run's metadata; the run stays ``running`` (Heron's states have no
``preempting``), and if its heartbeats then stop it reads as ``crashed`` like any silent run:
crashed with ``preempting`` is W&B's ``preempted``. Resuming the run clears the mark.

``"uploaded"`` names the run files the client finished uploading: with the media in a bucket
they went straight there, and the post records them as the run's files (``uploads.py``).
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

import msgspec

from heron import records as r
from heron.errors import RunNotFound
from heron.server.wandb import entities, media, uploads
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.offsets import Offsets, offsets_in_store
from heron.server.wandb.stops import stopped
from heron.store import RunInfo

_decode = msgspec.json.Decoder().decode
HISTORY = "wandb-history.jsonl"
EVENTS = "wandb-events.jsonl"
SUMMARY = "wandb-summary.json"
OUTPUT = "output.log"
KILLED_EXIT_CODE = 255
PREEMPTING = "preempting"
"""The run metadata's key for a run the client marked preempting."""


@dataclass
class Chunk:
    offset: int
    lines: list[str]


_offsets: dict[int, Offsets] = {}
_locks: dict[int, threading.Lock] = {}
_locks_lock = threading.Lock()


def _lock(run_pk: int) -> threading.Lock:
    with _locks_lock:
        if len(_locks) > 10_000:
            _locks.clear()
            _offsets.clear()
        return _locks.setdefault(run_pk, threading.Lock())


def parse_body(body: bytes) -> dict[str, Any]:
    """The post, checked; ``BadRequest`` naming what is wrong."""
    try:
        post = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"file_stream body is not JSON: {exc}") from None
    if not isinstance(post, dict):
        raise BadRequest("file_stream body must be a JSON object")
    files = post.get("files", {})
    if not isinstance(files, dict):
        raise BadRequest("file_stream \"files\" must be an object of {name: {offset, content}}")
    for name, chunk in files.items():
        if not isinstance(chunk, dict):
            raise BadRequest(f"file_stream file {name!r} must be an object with offset and "
                             "content")
        offset, content = chunk.get("offset", 0), chunk.get("content")
        if type(offset) is not int or offset < 0:
            raise BadRequest(f"file_stream file {name!r}: offset must be an integer >= 0, not "
                             f"{offset!r}"[:300])
        if not isinstance(content, list) or not all(isinstance(c, str) for c in content):
            raise BadRequest(f"file_stream file {name!r}: content must be a list of strings")
    exitcode = post.get("exitcode")
    if exitcode is not None and type(exitcode) is not int:
        raise BadRequest(f"file_stream exitcode must be an integer, not {exitcode!r}"[:300])
    uploaded = post.get("uploaded")
    if uploaded is not None and not (isinstance(uploaded, list)
                                     and all(isinstance(u, str) for u in uploaded)):
        raise BadRequest("file_stream \"uploaded\" must be a list of file names")
    for flag in ("complete", "preempting"):
        if post.get(flag) is not None and not isinstance(post[flag], bool):
            raise BadRequest(f"file_stream {flag!r} must be true or false")
    return post


def _json_object(line: str, name: str, offset: int) -> dict[str, Any]:
    try:
        value = _decode(line)
    except msgspec.DecodeError:
        try:  # NaN and Infinity, which the client writes and strict JSON has not
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise BadRequest(f"{name} line {offset} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise BadRequest(f"{name} line {offset} must be a JSON object")
    return value


def _chunk(post: dict[str, Any], name: str) -> Chunk | None:
    found = post.get("files", {}).get(name)
    return None if found is None else Chunk(found.get("offset", 0), found["content"])


def _new(chunk: Chunk | None, consumed: int) -> list[tuple[int, str]]:
    """(offset, line) of the lines of ``chunk`` past ``consumed``."""
    if chunk is None:
        return []
    return [(chunk.offset + i, line) for i, line in enumerate(chunk.lines)
            if chunk.offset + i >= consumed]


def console_line(line: str, index: int | None = None) -> r.ConsoleLine:
    """``[ERROR ]<UTC ISO time> text`` as a console line (``index``: replacing that line)."""
    stream = "stdout"
    if line.startswith("ERROR "):
        stream, line = "stderr", line[len("ERROR "):]
    stamp, _, text = line.partition(" ")
    try:
        when = datetime.datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        return r.ConsoleLine(stream=stream, timestamp=when.timestamp(), text=text, index=index)
    except ValueError:
        return r.ConsoleLine(stream=stream, timestamp=time.time(), text=line, index=index)


def _redrawn(chunk: Chunk | None, consumed: int) -> list[r.ConsoleLine]:
    """The lines of an ``output.log`` chunk before ``consumed``, as replacements of the lines
    stored at their offsets (a resent chunk replaces them with the same text: no change)."""
    if chunk is None:
        return []
    return [console_line(line, chunk.offset + i) for i, line in enumerate(chunk.lines)
            if chunk.offset + i < consumed]


def end_state(exit_code: int) -> str:
    """The client sends only an exit code: 255 is its KeyboardInterrupt (Ctrl-C, or a stop
    asked by the server), which Heron's SDK records as killed too."""
    if exit_code == 0:
        return "finished"
    return "killed" if exit_code == KILLED_EXIT_CODE else "failed"


def records_of(post: dict[str, Any], at: Offsets, last_step: int = -1
               ) -> tuple[list[r.Record], Offsets]:
    """The records the post adds past ``at``, and the offsets after them. History rows whose
    ``_step`` is not past ``last_step`` (the run's) are consumed but not stored: the client
    only logs increasing steps, so such a row is one the run holds already, sent again at
    new offsets by a second ``wandb sync`` of the same offline run."""
    records: list[r.Record] = []
    history = _new(_chunk(post, HISTORY), at.history)
    for offset, line in history:
        row = _json_object(line, HISTORY, offset)
        step = row.get("_step")
        if type(step) is not int:
            step = offset
        if step <= last_step:
            continue
        last_step = step
        row["_step"] = step
        # Only a line naming a "_type" holds a media reference to rewrite (most hold numbers).
        records.append(r.HistoryRow(step, media.to_heron(row) if '"_type"' in line else row))
    events = _new(_chunk(post, EVENTS), at.events)
    for offset, line in events:
        row = _json_object(line, EVENTS, offset)
        row.pop("_wandb", None)
        records.append(r.SystemSample(offset, row))
    output = _chunk(post, OUTPUT)
    records.extend(_redrawn(output, at.console))
    console = _new(output, at.console)
    records.extend(console_line(line) for _, line in console)
    after = Offsets(
        history[-1][0] + 1 if history else at.history,
        events[-1][0] + 1 if events else at.events,
        console[-1][0] + 1 if console else at.console,
        at.base,
    )
    summary = _chunk(post, SUMMARY)
    if summary is not None and summary.lines:
        values = _json_object(summary.lines[-1], SUMMARY, summary.offset + len(summary.lines) - 1)
        values.pop("_wandb", None)
        records.append(r.SummarySet(media.to_heron(values)))
    if post.get("complete"):
        code = post.get("exitcode") or 0
        records.append(r.RunEnd(state=end_state(code), exit_code=code, ended_at=time.time()))
    elif not records:
        records.append(r.Heartbeat(time.time()))
    return records, after


def preempting(info: RunInfo) -> r.RunPatch:
    """The run's metadata with the preempting mark."""
    return r.RunPatch(metadata={**info.metadata, PREEMPTING: True})


def apply(ctx: Context, entity: str, project: str, run_id: str, body: bytes) -> dict[str, Any]:
    """Store one post; the answer the client reads (``stopped``)."""
    post = parse_body(body)
    heron_entity, info = entities.resolve(ctx.store, ctx.caller, entity, project, run_id)
    if info is None:
        raise RunNotFound(f"no run {run_id!r} in project {project!r}: the client starts a run "
                          "with UpsertBucket first")
    ctx.guard.check_batch(r.Batch(project=project, run_id=run_id, seq=0, entity=heron_entity,
                                  records=[]))
    if post.get("uploaded"):
        # Before the post's own batch, in one of their own: a resent post stores no batch
        # twice, but its files must still be recorded, and before the run ends.
        uploads.adopt_run_files(ctx.store, info, ctx.caller.user)
    with _lock(info.pk):
        info = entities.find_run(ctx.store, heron_entity, project, run_id) or info
        at = _offsets.get(info.pk)
        if at is None or at.seq != info.last_seq:
            at = offsets_in_store(ctx.store, info)
        records, after = records_of(post, at, info.last_step)
        if post.get("preempting") and not info.metadata.get(PREEMPTING):
            records.insert(0, preempting(info))
        asked_to_stop = stopped(ctx, info)
        for rec in records:
            if isinstance(rec, r.RunEnd) and rec.exit_code != 0 and asked_to_stop:
                # A stopped run whose script ended with its own code (wandb.agent's runs end
                # with 1): it was stopped, not failed.
                rec.state = "killed"
        seq = after.seq if after.seq != at.seq else 0
        batch = r.Batch(project=project, run_id=run_id, seq=seq, entity=heron_entity,
                        records=records)
        if (ctx.store.write(batch, ctx.caller.user) or seq == 0) and not post.get("complete"):
            _offsets[info.pk] = after if seq else at
        else:  # ended, a resent post, or another replica got there first: read again if asked
            _offsets.pop(info.pk, None)
    return {"stopped": True} if asked_to_stop else {}
