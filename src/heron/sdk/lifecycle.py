"""How runs end when the script does: normal exit, an exception, Ctrl-C, SIGTERM or sys.exit.

Hooks are installed once, at the first ``init()``, and chain to whatever was there before;
they end the live runs that ``heron.sdk.registry`` keeps.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import traceback
from types import TracebackType
from typing import Any

from heron.sdk import registry

_installed = False
_exit_code: int | None = None
_previous_excepthook = sys.excepthook
_original_exit = sys.exit


def install() -> None:
    """Install the hooks (once; the first run that records does it): at exit, on an uncaught
    exception and on SIGTERM they end every live run in ``heron.sdk.registry``."""
    global _installed, _previous_excepthook
    if _installed:
        return
    _installed = True
    atexit.register(_at_exit)
    _previous_excepthook = sys.excepthook
    sys.excepthook = _excepthook
    sys.exit = _exit  # type: ignore[assignment]
    _watch_raised_exit()
    if threading.current_thread() is threading.main_thread():
        try:
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):
            pass


def exit_status(code: Any) -> int:
    """The process exit status Python gives ``SystemExit(code)``: None is 0, an int is
    itself, anything else (a message) is 1."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _exit(code: Any = None) -> None:
    """Remember the code passed to ``sys.exit`` so the run ends with it (as W&B does)."""
    global _exit_code
    _exit_code = exit_status(code)
    _original_exit(code)


MONITORING_TOOL_IDS = (4, 3)
"""sys.monitoring tool ids Python leaves free (0-2 and 5 are debuggers, coverage, profilers)."""


def _watch_raised_exit() -> None:
    """Python 3.12+: see ``raise SystemExit(3)`` leave the main script, which bypasses both
    ``sys.exit`` and ``sys.excepthook``, so the run ends failed with that code.

    Unwinding is a rare event that costs nothing until it happens; earlier Pythons have no
    such hook (tracing every call would slow training), so there a bare ``raise SystemExit``
    at the top of a script ends the run as W&B's client does: finished.
    """
    monitoring = getattr(sys, "monitoring", None)
    main_code = _main_code()
    if monitoring is None or main_code is None:
        return
    for tool in MONITORING_TOOL_IDS:
        try:
            monitoring.use_tool_id(tool, "heron")
        except ValueError:
            continue  # another tool has it

        def on_unwind(code: Any, _offset: int, exc: BaseException) -> None:
            global _exit_code
            if code is main_code and isinstance(exc, SystemExit):
                _exit_code = exit_status(exc.code)

        monitoring.register_callback(tool, monitoring.events.PY_UNWIND, on_unwind)
        monitoring.set_events(tool, monitoring.events.PY_UNWIND)
        return


def _main_code() -> Any:
    """The code object of the running script's top level (``__main__``), if any."""
    main = sys.modules.get("__main__")
    frame = sys._getframe()
    found = None
    while frame is not None:
        if main is not None and frame.f_globals is vars(main) and frame.f_code.co_name == (
                "<module>"):
            found = frame.f_code
        frame = frame.f_back  # type: ignore[assignment]
    return found


def _at_exit() -> None:
    code = _exit_code if _exit_code is not None else 0
    registry.end_all(code, None, None)


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None
                ) -> None:
    text = "".join(traceback.format_exception(kind, value, tb))
    if issubclass(kind, KeyboardInterrupt):
        registry.end_all(255, "killed", text)
    else:
        registry.end_all(1, "failed", text)
    _previous_excepthook(kind, value, tb)


SIGNAL_END_SECONDS = 10.0
"""How long ending the runs may take after SIGTERM before the process exits anyway."""


def _on_sigterm(signum: int, _frame: Any) -> None:
    # A watchdog: whatever happens while the runs end, the process honours the signal.
    watchdog = threading.Timer(SIGNAL_END_SECONDS, os._exit, args=(128 + signum,))
    watchdog.daemon = True
    watchdog.start()
    registry.end_all(128 + signum, "killed", None)
    watchdog.cancel()
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)
