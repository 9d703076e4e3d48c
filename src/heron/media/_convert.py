"""Recognising values of optional libraries without importing them, and making values plain."""

from __future__ import annotations

import datetime
import math
from typing import Any


def is_torch_tensor(value: object) -> bool:
    """True for a ``torch.Tensor`` (or subclass), judged by its module so torch is not imported."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def is_numpy_value(value: object) -> bool:
    """True for a numpy array or numpy scalar, judged by its module so numpy is not imported."""
    return type(value).__module__ == "numpy"


def is_matplotlib_value(value: object) -> bool:
    """True for a matplotlib figure, axes or artist, or the ``matplotlib.pyplot`` module itself."""
    name = getattr(value, "__name__", None) if type(value).__name__ == "module" else None
    if name == "matplotlib.pyplot":
        return True
    return type(value).__module__.startswith("matplotlib")


def type_name(value: object) -> str:
    """``module.Class`` of a value, for error messages."""
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def plain_number(value: Any, what: str) -> int | float:
    """A Python ``int``/``float`` from an int, float, numpy or torch scalar; else ValueRejected."""
    from heron.errors import ValueRejected

    if isinstance(value, bool):
        raise ValueRejected(f"{what} must be a number, got bool {value!r}")
    if isinstance(value, (int, float)):
        return value
    if (is_numpy_value(value) or is_torch_tensor(value)) and _is_scalar(value):
        item = value.item()
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            return item
    raise ValueRejected(f"{what} must be a number, got {type_name(value)} {value!r}")


def plain_finite_number(value: Any, what: str) -> int | float:
    """Like ``plain_number`` but refuses NaN and infinities."""
    from heron.errors import ValueRejected

    number = plain_number(value, what)
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueRejected(f"{what} must be a finite number, got {number!r}")
    return number


def plain_int(value: Any, what: str) -> int:
    """A Python ``int`` from an int or an integer numpy/torch scalar; else ValueRejected."""
    from heron.errors import ValueRejected

    number = plain_number(value, what)
    if not isinstance(number, int):
        raise ValueRejected(f"{what} must be an integer, got {type_name(value)} {value!r}")
    return number


def _is_scalar(value: Any) -> bool:
    shape = getattr(value, "shape", None)
    return shape is not None and len(tuple(shape)) == 0


def plain_value(value: Any, where: str) -> Any:
    """Turn a cell value into JSON-ready Python (numpy/torch scalars and arrays become numbers
    and lists); media objects are kept as they are. Raises ValueRejected for other types."""
    from heron.errors import ValueRejected
    from heron.media.base import Media

    if value is None or isinstance(value, (bool, int, float, str, Media)):
        return value
    if is_numpy_value(value):
        if _is_scalar(value):
            return plain_value(value.item(), where)
        if getattr(value, "dtype", None) is not None and value.dtype.kind in "biufU":
            return value.tolist()
        return [plain_value(v, where) for v in value.tolist()]
    if is_torch_tensor(value):
        tensor = value.detach()
        if tensor.dim() == 0:
            return tensor.item()
        return tensor.cpu().tolist()
    if isinstance(value, (list, tuple)):
        return [plain_value(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_value(v, where) for k, v in value.items()}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    cls_name = type(value).__name__
    if cls_name in ("NAType", "NaTType"):  # pandas missing-value markers
        return None
    if type(value).__module__.startswith("pandas") and hasattr(value, "isoformat"):
        return value.isoformat()  # pandas Timestamp
    raise ValueRejected(
        f"{where}: cannot store a {type_name(value)} ({value!r:.80}); accepted: None, bool, int, "
        "float, str, numpy/torch scalars and arrays, lists, dicts, datetimes and heron.media "
        "objects (Image, Histogram, ...)"
    )
