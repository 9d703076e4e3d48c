"""Reading stored msgpack that nests deeper than msgspec can decode.

msgspec decodes by recursion and stops where Python's recursion limit does (about 1,000
levels, less in a deep call stack). The store refuses values nested past ``MAX_DEPTH`` (see
``heron.store.validate``), but a database written before that, or by hand, may hold deeper
ones; reading such a run must still work. ``decode_stored`` decodes as usual and, only when
that recurses too deep, rewrites the bytes first: every array or map nested past
``MAX_DEPTH`` becomes the string ``DEEP_MARKER``. The rewrite walks the bytes with a loop, so
no depth stops it.
"""

from __future__ import annotations

import struct
from typing import Any

import msgspec

from heron.limits import DEEP_MARKER, MAX_DEPTH

_decode = msgspec.msgpack.Decoder().decode
_MARKER = msgspec.msgpack.encode(DEEP_MARKER)

# Lengths that follow a first byte: (bytes of the length field, extra bytes after the payload
# length such as an ext's type byte).
_SIZED = {0xC4: (1, 0), 0xC5: (2, 0), 0xC6: (4, 0),  # bin 8/16/32
          0xC7: (1, 1), 0xC8: (2, 1), 0xC9: (4, 1),  # ext 8/16/32
          0xD9: (1, 0), 0xDA: (2, 0), 0xDB: (4, 0)}  # str 8/16/32
_FIXED = {0xC0: 0, 0xC2: 0, 0xC3: 0, 0xCA: 4, 0xCB: 8, 0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8,
          0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17}
_UINT = {1: ">B", 2: ">H", 4: ">I"}


def decode_stored(data: bytes, levels: int = MAX_DEPTH + 1) -> Any:
    """The value msgpack ``data`` holds; when it nests too deep for msgspec to decode whole,
    with the lists and maps nested more than ``levels`` deep read as ``DEEP_MARKER``. The
    default suits a config, summary or metadata: a dict of values that nest ``MAX_DEPTH``."""
    try:
        return _decode(data)
    except RecursionError:
        return _decode(cut_packed(data, levels))


def _head(data: bytes, pos: int) -> tuple[int, int]:
    """``(children, end)`` of the item at ``pos``: how many items follow as its contents
    (maps count keys and values) and where its own bytes end (for a scalar, the item's end;
    for an array or map, the end of its header)."""
    first = data[pos]
    if first <= 0x7F or first >= 0xE0:
        return 0, pos + 1
    if 0x80 <= first <= 0x8F:
        return 2 * (first & 0x0F), pos + 1
    if 0x90 <= first <= 0x9F:
        return first & 0x0F, pos + 1
    if 0xA0 <= first <= 0xBF:
        return 0, pos + 1 + (first & 0x1F)
    if first in (0xDC, 0xDD, 0xDE, 0xDF):
        width = 2 if first in (0xDC, 0xDE) else 4
        (count,) = struct.unpack_from(">H" if width == 2 else ">I", data, pos + 1)
        return (2 * count if first >= 0xDE else count), pos + 1 + width
    if first in _SIZED:
        width, extra = _SIZED[first]
        (length,) = struct.unpack_from(_UINT[width], data, pos + 1)
        return 0, pos + 1 + width + extra + length
    if first in _FIXED:
        return 0, pos + 1 + _FIXED[first]
    raise ValueError(f"byte 0x{first:02x} at {pos} starts no msgpack item")


def cut_packed(data: bytes, levels: int) -> bytes:
    """``data`` (one msgpack item) with every array or map nested more than ``levels`` deep
    replaced by ``DEEP_MARKER`` (the outermost item is at depth 1)."""
    out = bytearray()
    left: list[int] = []  # items still to read in each open array or map, outermost first
    pos = 0
    while True:
        children, end = _head(data, pos)
        if end > len(data):
            raise ValueError("msgpack data ends inside an item")
        container = data[pos] in range(0x80, 0xA0) or data[pos] in (0xDC, 0xDD, 0xDE, 0xDF)
        if container and len(left) + 1 > levels:
            out += _MARKER
            pos = _skip(data, pos)
        elif container and children:
            out += data[pos:end]
            left.append(children)
            pos = end
            continue
        else:
            out += data[pos:end]
            pos = end
        # One item done: close every array or map it completes.
        while left:
            left[-1] -= 1
            if left[-1]:
                break
            left.pop()
        if not left:
            return bytes(out)


def _skip(data: bytes, pos: int) -> int:
    """Where the item at ``pos``, with everything inside it, ends."""
    pending = 1
    while pending:
        children, pos = _head(data, pos)
        pending += children - 1
    if pos > len(data):
        raise ValueError("msgpack data ends inside an item")
    return pos
