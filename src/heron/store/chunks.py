"""Packing history into columnar chunks and reading it back.

A chunk is one metric's consecutive points: int64 steps and int64 or float64 values, packed as
raw little-endian arrays. Values of other types (str, bool, None, lists, media references) are
"objects", stored one per row as msgpack.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Sequence
from typing import Any

import msgspec
import numpy as np

from heron.limits import MAX_DEPTH
from heron.records import shrink_ints
from heron.store.deep_values import decode_stored

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_encode = msgspec.msgpack.Encoder().encode


def kind_of(value: Any) -> str:
    """'f8' for floats, 'i8' for int64-sized ints, 'o' for anything else (bools included)."""
    t = type(value)
    if t is float:
        return "f8"
    if t is int and INT64_MIN <= value <= INT64_MAX:
        return "i8"
    return "o"


Segment = tuple[str, np.ndarray, Any]
"""(kind, steps, values): values is a numpy array for 'f8'/'i8' and a list for 'o'."""


def columnarise(steps: Sequence[int], rows: Sequence[dict[str, Any]],
                skip: str = "_step") -> dict[str, list[Segment]]:
    """Turn rows into per-key segments of one kind each, keeping step order.

    Consecutive rows with the same keys (the common case: one ``log()`` call in a loop) are
    transposed in one go, so the per-value work stays in C. The ``skip`` key (the step, which
    ``steps`` already holds) is left out: as the one int among floats it would force every
    column through the slow mixed-type path.
    """
    out: dict[str, list[Segment]] = {}
    start = 0
    n = len(rows)
    while start < n:
        first = rows[start].keys()
        end = start + 1
        while end < n and rows[end].keys() == first:
            end += 1
        keys = tuple(k for k in first if k != skip)
        group_steps = np.asarray(steps[start:end], dtype=np.int64)
        for key, column in zip(keys, _columns(keys, rows[start:end])):
            _add_segments(out.setdefault(key, []), group_steps, column)
        start = end
    return {key: _join(segs) for key, segs in out.items()}


_SCALARS = {float, int, bool, str, type(None)}


def _columns(keys: tuple[str, ...], rows: Sequence[dict[str, Any]]) -> Any:
    """The values of ``keys`` across ``rows`` as one sequence per key."""
    if len(keys) == 1:
        return [[row[keys[0]] for row in rows]]
    if not keys:
        return []
    tuples = list(map(operator.itemgetter(*keys), rows))
    types = set(map(type, itertools.chain.from_iterable(tuples)))
    if types == {float}:
        return np.array(tuples, dtype=np.float64).T
    if types <= _SCALARS:
        # Scalars only, so numpy cannot mistake a value for an extra axis.
        return np.array(tuples, dtype=object).T
    return list(zip(*tuples))


def _add_segments(out: list[Segment], steps: np.ndarray, column: Sequence[Any]) -> None:
    if isinstance(column, np.ndarray) and column.dtype == np.float64:
        out.append(("f8", steps, column))
        return
    types = set(map(type, column))
    if types == {float}:
        out.append(("f8", steps, np.asarray(column).astype(np.float64)))
        return
    if types == {int}:
        ints = np.asarray(column)
        try:
            # Plain lists of ints past int64 become uint64 or object arrays: not int64 chunks.
            if ints.dtype == np.int64 or ints.dtype == object:
                out.append(("i8", steps, ints.astype(np.int64)))
                return
        except OverflowError:
            pass  # ints beyond 64 bits: stored one by one as objects below
    start = 0
    current = kind_of(column[0])
    for i in range(1, len(column) + 1):
        kind = kind_of(column[i]) if i < len(column) else None
        if kind != current:
            values = list(column[start:i])  # plain Python values, also from object arrays
            out.append((current, steps[start:i],
                        values if current == "o" else np.array(values, dtype=current)))
            start = i
            if kind is not None:
                current = kind


def _join(segs: list[Segment]) -> list[Segment]:
    """Merge neighbouring segments of the same kind."""
    joined: list[Segment] = []
    for kind, steps, values in segs:
        if joined and joined[-1][0] == kind:
            _, prev_steps, prev_values = joined[-1]
            merged = prev_values + values if kind == "o" else np.concatenate([prev_values, values])
            joined[-1] = (kind, np.concatenate([prev_steps, steps]), merged)
        else:
            joined.append((kind, steps, values))
    return joined


def pack(dtype: str, steps: Sequence[int], values: Sequence[Any]) -> tuple[bytes, bytes]:
    return (
        np.asarray(steps, dtype="<i8").tobytes(),
        np.asarray(values, dtype="<" + dtype).tobytes(),
    )


def unpack(dtype: str, steps: bytes, values: bytes) -> tuple[np.ndarray, np.ndarray]:
    return np.frombuffer(steps, dtype="<i8"), np.frombuffer(values, dtype="<" + dtype)


def encode_object(value: Any) -> bytes:
    try:
        return _encode(value)
    except OverflowError:  # ints beyond 64 bits: msgpack cannot hold them, a float can
        return _encode(shrink_ints(value))


def decode_object(data: bytes) -> Any:
    return decode_stored(data, MAX_DEPTH)  # stored too deep for msgspec: read back cut


def merge(
    parts: list[tuple[np.ndarray, np.ndarray]], objects: list[tuple[int, Any]]
) -> tuple[np.ndarray, np.ndarray]:
    """Join chunk arrays and object points into one step-ordered pair of arrays.

    Numeric chunks of one dtype stay a numeric array; a mix of int and float chunks, or any
    objects, gives an object array so that ints read back as ints, as they were logged.
    """
    dtypes = {values.dtype.kind for _, values in parts}
    if not objects and len(dtypes) <= 1:
        if not parts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        steps = np.concatenate([s for s, _ in parts])
        values = np.concatenate([v for _, v in parts])
    else:
        pieces_s = [s for s, _ in parts]
        pieces_v: list[np.ndarray] = []
        for _, v in parts:
            obj = np.empty(v.shape[0], dtype=object)
            obj[:] = v.tolist()
            pieces_v.append(obj)
        if objects:
            pieces_s.append(np.array([s for s, _ in objects], dtype=np.int64))
            pieces_v.append(object_array([v for _, v in objects]))
        steps = np.concatenate(pieces_s)
        values = np.concatenate(pieces_v)
    if steps.shape[0] > 1 and bool(np.any(steps[1:] < steps[:-1])):
        order = np.argsort(steps, kind="stable")
        steps, values = steps[order], values[order]
    return steps, values


def object_array(items: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of ``items`` (lists stay list elements, never a second axis)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out
