"""The rules for the ``parameters`` section: forms, distributions, bounds, nesting."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

from heron.sweeps.checks import show, to_number
from heron.sweeps.config import BOUNDED, DISTRIBUTIONS, QUANTISED, Parameter

NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_.-]*$"
_NAME_RE = re.compile(NAME_PATTERN)
# What PyYAML leaves as a string although it is a number: an exponent without a dot or sign.
_SCIENTIFIC_RE = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+\s*$")


def yaml_number(value: Any) -> Any:
    """A value from ``value``/``values``: scientific notation left as a string by PyYAML
    (``"1e-5"``) becomes a float; anything else (``"1"``, ``"abc"``) is kept as written."""
    if isinstance(value, str) and _SCIENTIFIC_RE.match(value):
        number = float(value)
        if math.isfinite(number):
            return number
    return value


# Keys each distribution takes besides ``distribution`` itself.
_KEYS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "categorical": ("values", "probabilities"),
    "categorical_w_probabilities": ("values", "probabilities"),
    "int_uniform": ("min", "max"),
    "uniform": ("min", "max"),
    "q_uniform": ("min", "max", "q"),
    "log_uniform": ("min", "max"),
    "q_log_uniform": ("min", "max", "q"),
    "inv_log_uniform": ("min", "max"),
    "log_uniform_values": ("min", "max"),
    "q_log_uniform_values": ("min", "max", "q"),
    "inv_log_uniform_values": ("min", "max"),
    "normal": ("mu", "sigma"),
    "q_normal": ("mu", "sigma", "q"),
    "log_normal": ("mu", "sigma"),
    "q_log_normal": ("mu", "sigma", "q"),
    "beta": ("a", "b"),
    "q_beta": ("a", "b", "q"),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "categorical": ("values",),
    "categorical_w_probabilities": ("values", "probabilities"),
    **{d: ("min", "max") for d in BOUNDED},
}
_POSITIVE_MIN = frozenset({"log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values"})


def check_parameters(spec: Any, prefix: tuple[str, ...], errors: list[str]) -> list[Parameter]:
    """The leaves of a ``parameters`` mapping, depth-first with keys sorted; violations are
    appended to ``errors`` (named by the dotted parameter path)."""
    where = ".".join(prefix) if prefix else "parameters"
    if not isinstance(spec, Mapping):
        errors.append(f"{where}: {show(spec)} is not of type 'object'")
        return []
    if not spec:
        errors.append(f"{where}: needs at least one parameter")
        return []
    out: list[Parameter] = []
    for key in sorted(spec, key=str):
        if not isinstance(key, str) or not _NAME_RE.match(key):
            name = ".".join((*prefix, str(key)))
            errors.append(f"{name}: parameter name {show(key)} does not match '{NAME_PATTERN}'")
            continue
        out.extend(_parameter((*prefix, key), spec[key], errors))
    return out


def _parameter(path: tuple[str, ...], spec: Any, errors: list[str]) -> list[Parameter]:
    where = ".".join(path)
    if not isinstance(spec, Mapping):
        errors.append(
            f"{where}: {show(spec)} is not of type 'object' (write value, values, min/max, "
            "distribution or parameters)"
        )
        return []
    if "parameters" in spec:
        extra = sorted(str(k) for k in spec if k != "parameters")
        if extra:
            errors.append(f"{where}: unexpected key(s) {extra} next to 'parameters'")
        return check_parameters(spec["parameters"], path, errors)

    before = len(errors)
    dist = spec.get("distribution")
    if dist is not None and dist not in DISTRIBUTIONS:
        errors.append(f"{where}: distribution {show(dist)} is not one of {list(DISTRIBUTIONS)}")
        return []
    if dist is None:
        dist = _infer_distribution(where, spec, errors)
        if dist is None:
            return []
    extra = sorted(str(k) for k in spec if k != "distribution" and k not in _KEYS[dist])
    if extra:
        allowed = ", ".join(_KEYS[dist])
        errors.append(
            f"{where}: unexpected key(s) {extra} for distribution '{dist}' (allowed: {allowed})"
        )
    missing = [k for k in _REQUIRED.get(dist, ()) if k not in spec]
    for key in missing:
        errors.append(f"{where}: '{key}' is a required property for distribution '{dist}'")
    if missing:
        return []

    if dist == "constant":
        if len(errors) > before:
            return []
        return [Parameter(path, "constant", value=yaml_number(spec["value"]))]
    if dist in ("categorical", "categorical_w_probabilities"):
        return _categorical(path, spec, errors)

    fields: dict[str, Any] = {}
    for key in _KEYS[dist]:
        if key in spec:
            fields[key] = to_number(spec[key])
            if fields[key] is None:
                errors.append(f"{where}: {key} {show(spec[key])} is not of type 'number'")
    if len(errors) > before:
        return []
    if dist == "int_uniform":
        for key in ("min", "max"):
            # W&B's schema pairs type 'integer' with format 'integer' (an int, not a float), so
            # an integral float such as 0.0 or a numeric string is refused, not rounded.
            raw = spec[key]
            if isinstance(raw, bool) or not isinstance(raw, numbers.Integral):
                errors.append(f"{where}: {key} {show(raw)} is not of type 'integer' "
                              f"({_int_uniform_hint(fields[key])})")
            else:
                fields[key] = int(raw)
    if dist in BOUNDED and fields["min"] >= fields["max"]:
        errors.append(f"{where}: min {fields['min']} is not less than max {fields['max']}")
    if dist in _POSITIVE_MIN and fields["min"] <= 0:
        errors.append(
            f"{where}: min {fields['min']} is less than or equal to the minimum of 0 "
            f"(distribution '{dist}' takes values, not exponents)"
        )
    for key in ("q", "sigma", "a", "b"):
        if key in fields and fields[key] <= 0:
            errors.append(f"{where}: {key} {fields[key]} is less than or equal to the minimum of 0")
    if dist in QUANTISED:
        fields.setdefault("q", 1.0)
    if len(errors) > before:
        return []
    return [Parameter(path, dist, **fields)]


def _int_uniform_hint(value: float | int) -> str:
    """What to write instead of a non-integer ``int_uniform`` bound."""
    if float(value).is_integer():
        return f"distribution 'int_uniform' takes integer bounds: write {int(value)}"
    return "distribution 'int_uniform' takes integer bounds; use 'uniform' for real numbers"


def _infer_distribution(where: str, spec: Mapping[str, Any], errors: list[str]) -> str | None:
    if "value" in spec:
        return "constant"
    if "values" in spec:
        return "categorical"
    if "min" in spec and "max" in spec:
        low, high = to_number(spec["min"]), to_number(spec["max"])
        if low is None or high is None:
            for key, number in (("min", low), ("max", high)):
                if number is None:
                    errors.append(f"{where}: {key} {show(spec[key])} is not of type 'number'")
            return None
        if isinstance(low, int) and isinstance(high, int):
            return "int_uniform"
        return "uniform"
    if "min" in spec or "max" in spec:
        have, lack = ("min", "max") if "min" in spec else ("max", "min")
        errors.append(f"{where}: '{lack}' is a required property when '{have}' is given")
        return None
    errors.append(
        f"{where}: needs 'value', 'values', 'min' and 'max', a 'distribution', or nested "
        f"'parameters' (got keys {sorted(str(k) for k in spec)})"
    )
    return None


def _categorical(
    path: tuple[str, ...], spec: Mapping[str, Any], errors: list[str]
) -> list[Parameter]:
    where = ".".join(path)
    values = spec["values"]
    ok = True
    if not isinstance(values, (list, tuple)):
        errors.append(f"{where}: values {show(values)} is not of type 'array'")
        return []
    if not values:
        errors.append(f"{where}: values [] should be non-empty")
        ok = False
    probabilities: tuple[float, ...] | None = None
    if "probabilities" in spec:
        raw = spec["probabilities"]
        if not isinstance(raw, (list, tuple)):
            errors.append(f"{where}: probabilities {show(raw)} is not of type 'array'")
            return []
        numbers: list[float] = []
        for item in raw:
            number = to_number(item)
            if number is None:
                errors.append(f"{where}: probability {show(item)} is not of type 'number'")
                ok = False
            elif number < 0:
                errors.append(f"{where}: probability {number} is less than the minimum of 0")
                ok = False
            else:
                numbers.append(float(number))
        if len(raw) != len(values):
            errors.append(
                f"{where}: values {show(list(values))} and probabilities {show(list(raw))} "
                f"are not the same length ({len(values)} and {len(raw)})"
            )
            ok = False
        elif ok and not math.isclose(sum(numbers), 1.0, rel_tol=1e-6, abs_tol=1e-9):
            errors.append(f"{where}: probabilities {show(list(raw))} do not sum to 1")
            ok = False
        probabilities = tuple(numbers)
    if not ok:
        return []
    return [
        Parameter(
            path,
            "categorical",
            values=tuple(yaml_number(v) for v in values),
            probabilities=probabilities,
        )
    ]
