"""Points in a sweep's space: nesting and flattening run configs, comparing values."""

from __future__ import annotations

import copy
import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from heron.sweeps.config import Parameter, SweepConfig

MISSING: Any = object()
"""Returned by ``lookup`` for a parameter a run config does not hold."""


def canonical(value: Any) -> Hashable:
    """A hashable stand-in for ``value`` that compares the way sweep points compare.

    ``3.0`` equals ``3``; ``True`` does not equal ``1``; dict key order is ignored; floats are
    compared to 12 significant digits so that arithmetic noise (``0.1 * 3``) does not matter.
    """
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (list, dict)):
        try:  # numpy scalar
            value = value.item()
        except (TypeError, ValueError):
            pass
    if value is None or isinstance(value, str):
        return ("s", value)
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("n", value)
    if isinstance(value, float):
        if math.isnan(value):
            return ("nan",)
        if math.isinf(value):
            return ("n", value)
        if value.is_integer():
            return ("n", int(value))
        return ("n", float(f"{value:.12g}"))
    if isinstance(value, Mapping):
        return ("d", tuple(sorted((str(k), canonical(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("l", tuple(canonical(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("r", repr(value))
    return ("o", value)


def same_value(a: Any, b: Any) -> bool:
    """Whether two parameter values are the same point coordinate."""
    return canonical(a) == canonical(b)


def lookup(config: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """The value at ``path`` in a run config (nested dicts, or a dotted key), else MISSING."""
    if len(path) == 1 and type(config) is dict:  # the common case, fast
        return config.get(path[0], MISSING)
    node: Any = config
    for i, key in enumerate(path):
        if isinstance(node, Mapping) and key in node:
            node = node[key]
            continue
        dotted = ".".join(path[i:])
        if isinstance(node, Mapping) and dotted in node:
            return node[dotted]
        return MISSING
    return node


def nest(flat: Iterable[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    """Build a nested run config from ``(path, value)`` pairs."""
    out: dict[str, Any] = {}
    for path, value in flat:
        node = out
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[path[-1]] = copy.deepcopy(value)
    return out


def flatten_params(config: SweepConfig, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter of ``config`` that ``values`` (a run config) holds, by dotted name.

    Parameters come in grid order (depth-first, keys sorted); the run config may be nested
    (``{"opt": {"lr": 0.1}}``) or dotted (``{"opt.lr": 0.1}``).
    """
    out: dict[str, Any] = {}
    for p in config.parameters:
        value = lookup(values, p.path)
        if value is not MISSING:
            out[p.name] = value
    return out


def point_key(
    config: SweepConfig, values: Mapping[str, Any], parameters: Iterable[Parameter] | None = None
) -> tuple[Hashable, ...]:
    """The identity of the point a run config sits on (over the non-constant parameters).

    Two run configs with equal keys are the same point: ``3.0`` equals ``3``, dict key order is
    ignored, a missing parameter never equals a present one.
    """
    params = config.searchable if parameters is None else parameters
    key: list[Hashable] = []
    for p in params:
        value = lookup(values, p.path)
        key.append(("missing",) if value is MISSING else canonical(value))
    return tuple(key)
