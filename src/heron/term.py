"""Every line Heron prints for the user goes through here: ``termlog``, ``termwarn``, ``termerror``.

W&B's names and rules: ``termlog`` is information and ``HERON_SILENT=true`` (or
``WANDB_SILENT``, or ``Settings(silent=True)``) silences it; warnings and errors are always
shown, because they say that something needs the user's attention. ``once=`` prints a message
only the first time its key is seen, so a condition that repeats every batch is said once.

Example:
    >>> from heron.term import termwarn
    >>> termwarn("the store is slow", once="slow-store")
"""

from __future__ import annotations

import os
import sys
import threading

PREFIX = "heron: "
_TRUE = ("1", "true", "yes", "on")

_said: set[str] = set()
_lock = threading.RLock()  # reentrant: a signal handler may print mid-write
_silent_override: bool | None = None


def set_silent(silent: bool | None) -> None:
    """Make ``termlog`` quiet (True), talkative (False) or follow the environment (None)."""
    global _silent_override
    _silent_override = silent


def is_silent() -> bool:
    """True when informational lines are suppressed (settings, then HERON_/WANDB_SILENT)."""
    if _silent_override is not None:
        return _silent_override
    value = os.environ.get("HERON_SILENT") or os.environ.get("WANDB_SILENT") or ""
    return value.strip().lower() in _TRUE


def _first_time(once: str | None) -> bool:
    if once is None:
        return True
    with _lock:
        if once in _said:
            return False
        _said.add(once)
        return True


def _write(text: str) -> None:
    try:
        print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass  # a closed or broken stderr must never stop training


def termlog(message: str, *, once: str | None = None) -> None:
    """Print an informational line (silenced by ``HERON_SILENT``)."""
    if not is_silent() and _first_time(once):
        _write(PREFIX + message)


def termwarn(message: str, *, once: str | None = None) -> None:
    """Print a warning: something went wrong that Heron handles (always shown)."""
    if _first_time(once):
        _write(PREFIX + message)


def termerror(message: str, *, once: str | None = None) -> None:
    """Print an error: something the user must act on (always shown)."""
    if _first_time(once):
        _write(PREFIX + "ERROR " + message)


def forget(once: str) -> None:
    """Allow a ``once=`` message to be printed again (a condition that ended and may return)."""
    with _lock:
        _said.discard(once)


def outside_heron(depth: int = 1) -> int:
    """The ``stacklevel`` for ``warnings.warn`` that points at the first caller outside Heron,
    called where ``warnings.warn`` is called; ``depth`` is the stacklevel to start looking from
    (1: the function that warns, 2: its caller).

    Example:
        >>> warnings.warn("odd value", stacklevel=outside_heron())
    """
    frame = sys._getframe(depth)
    level = depth
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] == (
            "heron"):
        frame = frame.f_back
        level += 1
    return level
