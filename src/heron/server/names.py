"""The names the server accepts for projects, runs, users and teams."""

from __future__ import annotations

import re

from heron.errors import ValueRejected

NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


def check_name(what: str, value: str) -> str:
    """``value``, or ``ValueRejected`` naming it when it is not a plain name."""
    if not NAME.match(value):
        raise ValueRejected(f"{what} {value!r} may only hold letters, digits, '_', '-' and '.' "
                            "(1 to 128 of them)")
    return value
