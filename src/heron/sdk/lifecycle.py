"""How runs end when the script does: normal exit, an exception, Ctrl-C, SIGTERM or sys.exit.

Hooks are installed once, at the first ``init()``, and chain to whatever was there before.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import traceback
from types import TracebackType
from typing import Any, Protocol


class EndableRun(Protocol):
    def _end_from_hook(self, exit_code: int, state: str | None, tb: str | None) -> None: ...


_active: list[EndableRun] = []
_installed = False
_exit_code: int | None = None
_previous_excepthook = sys.excepthook
_original_exit = sys.exit


def register(run: EndableRun) -> None:
    _install()
    _active.append(run)


def unregister(run: EndableRun) -> None:
    if run in _active:
        _active.remove(run)


def _install() -> None:
    global _installed, _previous_excepthook
    if _installed:
        return
    _installed = True
    atexit.register(_at_exit)
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    sys.exit = _exit  # type: ignore[assignment]
    if threading.current_thread() is threading.main_thread():
        try:
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):
            pass


def _exit(code: Any = None) -> None:
    """Remember the code passed to ``sys.exit`` so the run ends with it (as W&B does)."""
    global _exit_code
    if code is None:
        _exit_code = 0
    elif isinstance(code, int):
        _exit_code = code
    else:
        _exit_code = 1
    _original_exit(code)


def _end_all(exit_code: int, state: str | None, tb: str | None) -> None:
    for run in list(reversed(_active)):
        try:
            run._end_from_hook(exit_code, state, tb)
        except Exception as exc:  # a run that cannot end must not stop the others
            print(f"heron: could not finish a run: {exc}", file=sys.stderr)


def _at_exit() -> None:
    code = _exit_code if _exit_code is not None else 0
    _end_all(code, None, None)


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None
                ) -> None:
    text = "".join(traceback.format_exception(kind, value, tb))
    if issubclass(kind, KeyboardInterrupt):
        _end_all(255, "killed", text)
    else:
        _end_all(1, "failed", text)
    _previous_excepthook(kind, value, tb)


SIGNAL_END_SECONDS = 10.0
"""How long ending the runs may take after SIGTERM before the process exits anyway."""


def _on_sigterm(signum: int, _frame: Any) -> None:
    # A watchdog: whatever happens while the runs end, the process honours the signal.
    watchdog = threading.Timer(SIGNAL_END_SECONDS, os._exit, args=(128 + signum,))
    watchdog.daemon = True
    watchdog.start()
    _end_all(128 + signum, "killed", None)
    watchdog.cancel()
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)
