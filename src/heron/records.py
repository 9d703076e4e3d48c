"""The records that carry everything a run produces, from the SDK to the store.

One format end to end: the SDK queues records, sinks ship them in a ``Batch``, and
``Store.write(batch)`` applies a batch in one transaction. Records are msgspec Structs so they
encode to msgpack (which keeps NaN and +/-Inf) for the wire and the offline log.
"""

from __future__ import annotations

from typing import Any

import msgspec


class RunStart(msgspec.Struct, tag="run_start", kw_only=True):
    """A run begins (or resumes): its identity and what is known at ``init()``."""

    name: str
    entity: str = ""
    config: dict[str, Any] = {}
    tags: list[str] = []
    notes: str | None = None
    group: str | None = None
    job_type: str | None = None
    metadata: dict[str, Any] = {}
    started_at: float = 0.0
    sweep_id: str | None = None
    resumed: bool = False
    heartbeat_interval: float = 30.0


class RunPatch(msgspec.Struct, tag="run_patch", kw_only=True, omit_defaults=True):
    """The user renamed the run or changed its tags or notes while it runs; ``metadata``
    replaces the run's metadata whole (the W&B adapter marks a preempting run so). Fields left
    unset are left out of the encoding, so readers that predate ``metadata`` decode the same
    bytes as before."""

    name: str | None = None
    tags: list[str] | None = None
    notes: str | None = None
    metadata: dict[str, Any] | None = None


class ConfigSet(msgspec.Struct, tag="config"):
    """The whole config after a change (whole replacement keeps retries idempotent)."""

    config: dict[str, Any]


class MetricsSet(msgspec.Struct, tag="metrics"):
    """The run's ``define_metric`` definitions, whole."""

    metrics: dict[str, dict[str, Any]]


class HistoryRow(msgspec.Struct, tag="history"):
    """One committed history row; ``row`` holds ``_step``, ``_timestamp`` and ``_runtime``."""

    step: int
    row: dict[str, Any]


class SystemSample(msgspec.Struct, tag="system"):
    """One sample of system metrics, on its own axis (never the user's ``_step``)."""

    index: int
    row: dict[str, Any]


class SummarySet(msgspec.Struct, tag="summary"):
    """The whole summary after a change."""

    summary: dict[str, Any]


class ConsoleLine(msgspec.Struct, tag="console", omit_defaults=True):
    """One line the run printed; ``stream`` is "stdout" or "stderr".

    ``index`` set: the line replaces the run's ``index``-th console line (0-based, in the
    order lines arrived), as a progress bar redrawn in place does; past the last line it is
    appended. Replacing is idempotent, so a resent batch changes nothing more. Left out of
    the encoding when unset, so readers that predate it decode the same bytes as before.
    """

    stream: str
    timestamp: float
    text: str
    index: int | None = None


class FileSaved(msgspec.Struct, tag="file"):
    """A file attached to the run; ``path`` is relative to the store's media root."""

    name: str
    path: str
    size: int
    sha256: str


class Alert(msgspec.Struct, tag="alert"):
    """An alert raised by ``heron.alert``."""

    title: str
    text: str
    level: str
    timestamp: float


class Heartbeat(msgspec.Struct, tag="heartbeat"):
    """The run's process is alive."""

    timestamp: float


class RunEnd(msgspec.Struct, tag="run_end", kw_only=True):
    """The run ended: ``state`` is finished, failed or killed."""

    state: str
    exit_code: int
    ended_at: float
    traceback: str | None = None


class ArtifactEntry(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One file of an artifact version: its path inside the artifact and either its content
    (``sha256``, ``size``, stored at the media path ``media``) or a reference it only
    points to (``ref``: ``file://...``, ``s3://...``, whose ``sha256`` may be unknown)."""

    path: str
    size: int
    sha256: str | None = None
    media: str | None = None
    ref: str | None = None


class ArtifactLog(msgspec.Struct, tag="artifact", kw_only=True):
    """The run logged an artifact version (``run.log_artifact``). The store gives it the next
    version of its collection, or finds the version with the same ``digest`` (the same
    content logs no new version); the ``aliases`` (with ``latest``) then point at it."""

    name: str
    artifact_type: str
    digest: str
    entries: list[ArtifactEntry]
    description: str | None = None
    metadata: dict[str, Any] = {}
    aliases: list[str] = []
    logged_at: float = 0.0


class ArtifactUse(msgspec.Struct, tag="artifact_use", kw_only=True):
    """The run used an artifact version (``run.use_artifact``), named by the project and
    entity it lives in, its collection and version number: lineage, read by ``used_by``."""

    project: str
    entity: str
    name: str
    version: int
    used_at: float = 0.0


Record = (
    RunStart
    | RunPatch
    | ConfigSet
    | MetricsSet
    | HistoryRow
    | SystemSample
    | SummarySet
    | ConsoleLine
    | FileSaved
    | Alert
    | Heartbeat
    | RunEnd
    | ArtifactLog
    | ArtifactUse
)


class Batch(msgspec.Struct, kw_only=True):
    """Records of one run, applied together; ``seq`` makes a retried batch a no-op.

    ``media`` says the history rows may refer to media files (the run has logged media), so
    whoever delivers the batch must look for them; without it only the summary and saved
    files are looked at. ``files`` lists every media file written for the batch's values,
    including those a value refers to only from inside its own file (images in a table's
    cells): all of them are delivered before the batch.
    """

    project: str
    run_id: str
    seq: int
    records: list[Record]
    entity: str = ""
    media: bool = False
    files: list[str] = []


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Batch)
_batch_list_decoder = msgspec.msgpack.Decoder(list[Batch])


def encode(batch: Batch | list[Batch]) -> bytes:
    """Encode a batch (or several) as msgpack; ints wider than 64 bits become floats."""
    try:
        return _encoder.encode(batch)
    except OverflowError:
        return _encoder.encode(shrink_ints(msgspec.to_builtins(batch)))


def shrink_ints(value: Any) -> Any:
    """``value`` with ints that no 64-bit msgpack integer holds turned into floats."""
    if type(value) is int and not -(2**63) <= value < 2**64:
        return float(value)
    if isinstance(value, list):
        return [shrink_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: shrink_ints(v) for k, v in value.items()}
    return value


def decode(data: bytes) -> Batch:
    """Decode one msgpack batch; raises ``msgspec.ValidationError`` on malformed input."""
    return _decoder.decode(data)


def decode_any(data: bytes) -> Any:
    """Decode plain msgpack (API responses)."""
    return msgspec.msgpack.decode(data)


def decode_many(data: bytes) -> list[Batch]:
    """Decode a msgpack list of batches."""
    return _batch_list_decoder.decode(data)
