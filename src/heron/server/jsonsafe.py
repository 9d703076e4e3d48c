"""JSON for browsers: NaN and +/-Inf (which JSON cannot hold) become strings."""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
from fastapi.responses import Response

_NONFINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def clean(value: Any) -> Any:
    """``value`` with non-finite floats replaced by "NaN", "Infinity" or "-Infinity"."""
    t = type(value)
    if t is float:
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else _NONFINITE[value]
    if t is dict:
        return {k: clean(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
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
        return msgspec.msgpack.encode(content)


def respond(request: Any, content: Any) -> Response:
    """msgpack (exact: NaN, ints and bytes survive) when the client asks for it, else JSON."""
    if "application/msgpack" in request.headers.get("accept", ""):
        return MsgpackResponse(content)
    return SafeJSONResponse(content)
