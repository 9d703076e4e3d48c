"""Reading the records of a W&B ``.wandb`` run file without the wandb package.

Why not ``import wandb``: Heron must not need the official client (nor its pinned protobuf,
nor its Go core) to read a file. The format is small and documented by the file itself:

- A 7-byte header: ``:W&B``, the magic number 0xBEE1 (little-endian) and a version byte.
- Then LevelDB's log format: 32 KiB blocks of chunks, each with a 7-byte header (CRC-32 of
  the type byte and the data, little-endian; the data's length, 2 bytes; the type: 1 a whole
  record, 2/3/4 its first/middle/last part). A block's tail shorter than a header is padding.
- Each record is a protobuf ``Record`` message. The few messages Heron reads are declared
  below by their field numbers (W&B's ``wandb_internal.proto``); protobuf skips the rest.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from heron.importers.model import ImportSourceError

HEADER = b":W&B" + struct.pack("<H", 0xBEE1)
BLOCK_SIZE = 32768
CHUNK_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4

# (message, [(field, number, type, repeated, message type)]): the subset Heron reads.
_STRING, _INT64, _INT32, _BOOL, _DOUBLE, _SINT64, _MESSAGE = 9, 3, 5, 8, 1, 18, 11
_MESSAGES: list[tuple[str, list[tuple[str, int, int, bool, str]]]] = [
    ("Timestamp", [("seconds", 1, _INT64, False, ""), ("nanos", 2, _INT32, False, "")]),
    ("Item", [("key", 1, _STRING, False, ""), ("nested_key", 2, _STRING, True, ""),
              ("none", 3, _INT32, False, ""), ("boolean", 4, _BOOL, False, ""),
              ("integer", 5, _SINT64, False, ""), ("number", 6, _DOUBLE, False, ""),
              ("text", 7, _STRING, False, ""), ("json", 8, _STRING, False, ""),
              ("value_json", 16, _STRING, False, "")]),
    ("Items", [("update", 1, _MESSAGE, True, "Item"), ("remove", 2, _MESSAGE, True, "Item")]),
    ("HistoryStep", [("num", 1, _INT64, False, "")]),
    ("HistoryRecord", [("item", 1, _MESSAGE, True, "Item"),
                       ("step", 2, _MESSAGE, False, "HistoryStep")]),
    ("FilesItem", [("path", 1, _STRING, False, "")]),
    ("FilesRecord", [("files", 1, _MESSAGE, True, "FilesItem")]),
    ("RunRecord", [("run_id", 1, _STRING, False, ""), ("entity", 2, _STRING, False, ""),
                   ("project", 3, _STRING, False, ""), ("config", 4, _MESSAGE, False, "Items"),
                   ("summary", 5, _MESSAGE, False, "Items"),
                   ("run_group", 6, _STRING, False, ""), ("job_type", 7, _STRING, False, ""),
                   ("display_name", 8, _STRING, False, ""), ("notes", 9, _STRING, False, ""),
                   ("tags", 10, _STRING, True, ""), ("sweep_id", 12, _STRING, False, ""),
                   ("host", 13, _STRING, False, ""),
                   ("start_time", 17, _MESSAGE, False, "Timestamp")]),
    ("RunExitRecord", [("exit_code", 1, _INT32, False, ""), ("runtime", 2, _INT32, False, "")]),
    ("Record", [("num", 1, _INT64, False, ""), ("history", 2, _MESSAGE, False, "HistoryRecord"),
                ("summary", 3, _MESSAGE, False, "Items"),
                ("config", 5, _MESSAGE, False, "Items"),
                ("files", 6, _MESSAGE, False, "FilesRecord"),
                ("run", 17, _MESSAGE, False, "RunRecord"),
                ("exit", 18, _MESSAGE, False, "RunExitRecord")]),
]
"""``ConfigRecord``/``SummaryRecord`` share one shape (``Items``), as do their items."""
_PACKAGE = "heron_wandb_records"


@cache
def record_class() -> Any:
    """The protobuf class of a W&B ``Record``, limited to the fields Heron reads."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        raise ImportSourceError("heron import wandb needs protobuf: "
                                "pip install 'heron[wandb-import]'") from None
    file = descriptor_pb2.FileDescriptorProto(name=f"{_PACKAGE}.proto", package=_PACKAGE,
                                              syntax="proto3")
    for name, fields in _MESSAGES:
        message = file.message_type.add(name=name)
        for field_name, number, kind, repeated, type_name in fields:
            field = message.field.add(name=field_name, number=number, type=kind,
                                      label=3 if repeated else 1)
            if type_name:
                field.type_name = f".{_PACKAGE}.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.Record"))


def record_payloads(data: bytes, name: str = "file") -> Iterator[bytes]:
    """The raw records of a ``.wandb`` file's bytes, in order; a torn last record (the run
    was killed mid-write) ends the iteration quietly, a corrupt one raises.

    Example:
        >>> sum(1 for _ in record_payloads(Path("run-abc.wandb").read_bytes()))
        42
    """
    if not data.startswith(HEADER):
        raise ImportSourceError(f"{name} is not a W&B run file (it does not start with "
                                f"{HEADER!r})")
    offset = len(HEADER) + 1  # + the version byte
    parts: list[bytes] = []
    while offset + CHUNK_HEADER <= len(data):
        left_in_block = BLOCK_SIZE - offset % BLOCK_SIZE
        if left_in_block < CHUNK_HEADER:  # padding at a block's end
            offset += left_in_block
            continue
        checksum, length, kind = struct.unpack_from("<IHB", data, offset)
        start = offset + CHUNK_HEADER
        chunk = data[start:start + length]
        if len(chunk) < length:
            return  # torn tail
        if kind == 0 and length == 0 and checksum == 0:  # zero-filled preallocated space
            return
        if zlib.crc32(bytes([kind]) + chunk) & 0xFFFFFFFF != checksum:
            raise ImportSourceError(f"{name}: corrupt record at byte {offset} (checksum)")
        offset = start + length
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            parts = [chunk]
        elif kind == MIDDLE:
            parts.append(chunk)
        elif kind == LAST:
            parts.append(chunk)
            yield b"".join(parts)
            parts = []
        else:
            raise ImportSourceError(f"{name}: unknown record type {kind} at byte {offset}")


def read_records(path: Path) -> Iterator[Any]:
    """The decoded ``Record`` messages of the ``.wandb`` file at ``path``."""
    cls = record_class()
    for payload in record_payloads(path.read_bytes(), str(path)):
        record = cls()
        record.ParseFromString(payload)
        yield record
