"""Turning what users pass to ``log()`` into storable values, W&B's way.

Hot path: a dict of plain Python numbers costs one type check per value. numpy and torch are
never imported here; their values are recognised by their type's module.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from heron.media.base import Media

_PLAIN = (float, int, str, bool, type(None))
_PLAIN_SET = set(_PLAIN)
_STR = {str}
ARRAY_LIST_LIMIT = 32
"""Arrays and tensors with more elements than this become a 32-bin histogram (W&B's rule)."""

_warned: set[tuple[str, str]] = set()


def warn_once(key: str, kind: str, message: str) -> None:
    if (key, kind) not in _warned:
        _warned.add((key, kind))
        warnings.warn(message, stacklevel=4)


def normalise_row(data: Mapping[Any, Any]) -> tuple[dict[str, Any], bool]:
    """A flat ``{key: value}`` row from ``data``, and whether it holds media.

    Unstorable values are dropped with a warning naming the key and type.
    """
    values = data.values()
    if set(map(type, values)) <= _PLAIN_SET and set(map(type, data)) == _STR:
        return dict(data), False
    out: dict[str, Any] = {}
    slow = False
    for key, value in data.items():
        if type(value) in _PLAIN and type(key) is str:
            out[key] = value
        else:
            slow = True
            _add(out, key if type(key) is str else _key(key), value)
    return out, slow and any(isinstance(v, Media) for v in out.values())


def _key(key: Any) -> str:
    warn_once(repr(key), "key", f"heron.log: key {key!r} is not a string; stored as {str(key)!r}")
    return str(key)


def _add(out: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(value, Mapping) and "_type" not in value:
        for sub_key, sub_value in value.items():
            full = f"{key}.{sub_key if type(sub_key) is str else _key(sub_key)}"
            if type(sub_value) in _PLAIN:
                out[full] = sub_value
            else:
                _add(out, full, sub_value)
        return
    converted = convert(key, value)
    if converted is not _DROP:
        out[key] = converted


class _Drop:
    pass


_DROP: Any = _Drop()


def convert(key: str, value: Any) -> Any:
    """One value in its stored form, or ``_DROP`` (after a warning) when it cannot be stored."""
    if type(value) in _PLAIN or isinstance(value, Media):
        return value
    for plain in (bool, int, float, str):  # subclasses such as IntEnum become the plain type
        if isinstance(value, plain):
            return plain(value)
    module = type(value).__module__
    if module == "numpy":
        return _from_numpy(key, value)
    if module.startswith("torch"):
        return _from_torch(key, value)
    if isinstance(value, (list, tuple)):
        return _from_sequence(key, value)
    if isinstance(value, Mapping):
        return {str(k): convert(f"{key}.{k}", v) for k, v in value.items()}
    if hasattr(value, "__float__") and not hasattr(value, "__len__"):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    return _unstorable(key, value)


def _unstorable(key: str, value: Any) -> Any:
    kind = f"{type(value).__module__}.{type(value).__qualname__}"
    warn_once(key, kind,
              f"heron.log: key {key!r} has a value of type {kind} that cannot be stored; it was "
              "dropped from the row (log numbers, strings, lists, numpy/torch values or heron "
              "media instead)")
    return _DROP


def _from_sequence(key: str, value: list[Any] | tuple[Any, ...]) -> Any:
    if value and isinstance(value[0], Media):
        from heron.media import as_media_list

        media = as_media_list(list(value))
        if media is not None:
            return media
    items = []
    for item in value:
        converted = convert(key, item)
        if converted is _DROP:
            return _DROP
        items.append(converted)
    return items


def _from_numpy(key: str, value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            if value.size <= ARRAY_LIST_LIMIT:
                return _from_sequence(key, value.tolist())
            return _unstorable(key, value)
        if value.ndim == 0:
            return value.item()
        if value.size <= ARRAY_LIST_LIMIT:
            return value.tolist()
        from heron.media import Histogram

        return Histogram(value.astype(np.float64, copy=False).ravel(), num_bins=32)
    return _unstorable(key, value)


def _from_torch(key: str, value: Any) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        tensor = value.detach()
        if tensor.numel() == 1 and tensor.ndim == 0:
            return tensor.item()
        if tensor.numel() <= ARRAY_LIST_LIMIT:
            return tensor.cpu().tolist()
        from heron.media.histogram import histogram_of_tensor

        return histogram_of_tensor(tensor, num_bins=32)
    if hasattr(value, "item"):
        return value.item()
    return _unstorable(key, value)
