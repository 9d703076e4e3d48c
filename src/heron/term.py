"""Every line Heron prints for the user goes through here: ``termlog``, ``termwarn``, ``termerror``.

W&B's names, signatures and rules (public as ``heron.termlog`` and friends, taking
``string, newline=True, repeat=True, prefix=True``): ``termlog`` is information and
``HERON_SILENT=true`` (or ``WANDB_SILENT``, or ``Settings(silent=True)``) silences it;
warnings and errors are always shown, because they say that something needs the user's
attention. ``once=`` prints a message only the first time its key is seen, so a condition that
repeats every batch is said once.

Example:
    >>> from heron.term import termwarn
    >>> termwarn("the store is slow", once="slow-store")
"""

from __future__ import annotations

import sys
import threading

PREFIX = "heron: "

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
    from heron.sdk.settings import env_flag  # the one table of variables; it imports this

    return bool(env_flag("silent"))


def _first_time(once: str | None) -> bool:
    if once is None:
        return True
    with _lock:
        if once in _said:
            return False
        _said.add(once)
        return True


def _write(text: str, newline: bool = True) -> None:
    try:
        print(text, file=sys.stderr, end="\n" if newline else "", flush=True)
    except (OSError, ValueError):
        pass  # a closed or broken stderr must never stop training


def _say(string: str, label: str, newline: bool, repeat: bool, prefix: bool,
         once: str | None) -> None:
    """Write ``string`` (each of its lines prefixed), unless its ``once`` key, or the string
    itself when ``repeat`` is False, was said before."""
    if _first_time(once) and (repeat or _first_time("text:" + string)):
        head = (PREFIX if prefix else "") + label
        _write("\n".join(head + line for line in str(string).split("\n")), newline)


def termlog(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True,
            *, once: str | None = None) -> None:
    """Print an informational line to stderr (silenced by ``HERON_SILENT``/``WANDB_SILENT``).

    W&B's signature: ``repeat=False`` prints a given string only once per process, ``prefix``
    puts ``heron: `` before each line, ``newline=False`` leaves the line open. ``once=`` is
    Heron's: a key that says "only the first time" for messages whose text varies.

    Example:
        >>> heron.termlog("checkpoint saved", repeat=False)
    """
    if not is_silent():
        _say(string, "", newline, repeat, prefix, once)


def termwarn(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True,
             *, once: str | None = None) -> None:
    """Print a warning: something went wrong that Heron handles (always shown; arguments as
    ``termlog``)."""
    _say(string, "", newline, repeat, prefix, once)


def termerror(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True,
              *, once: str | None = None) -> None:
    """Print an error: something the user must act on (always shown, after ``ERROR``;
    arguments as ``termlog``)."""
    _say(string, "ERROR ", newline, repeat, prefix, once)


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
