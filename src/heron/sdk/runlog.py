"""Run log files: batches appended as length-prefixed msgpack frames.

Offline runs write their whole life to ``run.heronlog``; a writer that cannot reach its store
spools batches to ``spool-*.heronlog``. ``heron sync`` replays both; batch sequence numbers make
replaying twice harmless. A torn last frame (a killed process) is ignored on reading.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from heron import records as r

SUFFIX = ".heronlog"
_HEADER = struct.Struct("<I")


def append(path: Path, batches: Sequence[r.Batch], sync: bool = False) -> int:
    """Append ``batches``; returns the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = bytearray()
    for batch in batches:
        frame = r.encode(batch)
        data += _HEADER.pack(len(frame)) + frame
    with open(path, "ab") as handle:
        handle.write(data)
        handle.flush()
        if sync:
            os.fsync(handle.fileno())
    return len(data)


def read(path: Path) -> Iterator[r.Batch]:
    """The batches in ``path``, in order, stopping quietly at a torn last frame."""
    data = path.read_bytes()
    offset = 0
    while offset + _HEADER.size <= len(data):
        (size,) = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        if start + size > len(data):
            return
        try:
            yield r.decode(data[start:start + size])
        except (msgspec.DecodeError, msgspec.ValidationError):
            return
        offset = start + size
