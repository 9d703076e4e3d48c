"""Small checks shared by the validation rules: numbers, integers, and how values are shown."""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

_NUMBER_RE = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def show(value: Any) -> str:
    """``repr`` of a value for an error message, shortened when long."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def to_number(value: Any) -> float | int | None:
    """An int or float (numeric strings read as floats); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER_RE.match(value):
        number = float(value)
        return number if math.isfinite(number) else None
    # numpy scalars and other real numbers
    try:
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            number = float(value)
            return number if math.isfinite(number) else None
    except (TypeError, ValueError):  # pragma: no cover - exotic number types
        return None
    return None


def number(value: Any, where: str, errors: list[str]) -> float | int | None:
    """``value`` as a number, or None with an error recorded against ``where``."""
    found = to_number(value)
    if found is None:
        errors.append(f"{where}: {show(value)} is not of type 'number'")
    return found


def integer(
    value: Any,
    where: str,
    errors: list[str],
    *,
    minimum: int | None = None,
    exclusive_minimum: int | None = None,
) -> int | None:
    """``value`` as an int (an integral float or numeric string is accepted) within bounds,
    or None with an error recorded against ``where``."""
    found = to_number(value)
    if found is None or float(found) != int(found):
        errors.append(f"{where}: {show(value)} is not of type 'integer'")
        return None
    whole = int(found)
    if exclusive_minimum is not None and whole <= exclusive_minimum:
        errors.append(
            f"{where}: {whole} is less than or equal to the minimum of {exclusive_minimum}"
        )
        return None
    if minimum is not None and whole < minimum:
        errors.append(f"{where}: {whole} is less than the minimum of {minimum}")
        return None
    return whole
