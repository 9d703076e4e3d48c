"""JSON for browsers: NaN and +/-Inf (which JSON cannot hold) become strings.

Every response is also cut at ``RENDER_DEPTH`` levels of lists and dicts (``DEEP_MARKER`` in
place of what is deeper): a run stored before the store refused values nested past
``heron.limits.MAX_DEPTH`` must still list, instead of failing its project's pages.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
from fastapi.responses import Response

from heron.limits import DEEP_MARKER, MAX_DEPTH, cut_deep

_NONFINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}
_Ext = msgspec.msgpack.Ext

RENDER_DEPTH = MAX_DEPTH + 28
"""Levels a response may nest: a value's ``MAX_DEPTH`` plus the response's own levels (a run
list holds runs that hold a config...)."""


def clean(value: Any, depth: int = RENDER_DEPTH) -> Any:
    """``value`` with non-finite floats replaced by "NaN", "Infinity" or "-Infinity", lists and
    dicts nested more than ``depth`` deep by ``DEEP_MARKER``, and msgpack extension values (no
    Heron value; refused since) by a string that names them."""
    t = type(value)
    if t is float:
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else _NONFINITE[value]
    if t is dict:
        if depth <= 0:
            return DEEP_MARKER
        return {k: clean(v, depth - 1) for k, v in value.items()}
    if t is list or t is tuple:
        if depth <= 0:
            return DEEP_MARKER
        return [clean(v, depth - 1) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist(), depth)
    if t is _Ext:
        return f"<msgpack extension type {value.code}>"
    return value


def floats(values: np.ndarray) -> list[Any]:
    """A float array as a JSON-safe list, fast when every value is finite."""
    array = np.asarray(values, dtype=np.float64)
    if bool(np.all(np.isfinite(array))):
        return array.tolist()
    return [clean(v) for v in array.tolist()]


_encoder = msgspec.json.Encoder()


class SafeJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encoder.encode(clean(content))


class MsgpackResponse(Response):
    media_type = "application/msgpack"

    def render(self, content: Any) -> bytes:
        try:
            return msgspec.msgpack.encode(content)
        except RecursionError:  # a value stored before the depth limit: cut, as JSON is
            return msgspec.msgpack.encode(cut_deep(content, RENDER_DEPTH))


def respond(request: Any, content: Any) -> Response:
    """msgpack (exact: NaN, ints and bytes survive) when the client asks for it, else JSON."""
    if "application/msgpack" in request.headers.get("accept", ""):
        return MsgpackResponse(content)
    return SafeJSONResponse(content)
