"""The process's live runs and its active run (what ``heron.run``, ``heron.config`` and
``heron.summary`` show); the one place that changes them.

``init()`` adds a run (it becomes the active run); a run removes itself when it ends (the
latest run still live becomes the active one, or none); the exit hooks in
``heron.sdk.lifecycle`` end every live run with ``end_all``. Safe to call from any thread.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from heron.errors import Error
from heron.term import termwarn

if TYPE_CHECKING:
    from heron.sdk.run import Run


class PreInit:
    """Stands in for ``heron.config`` / ``heron.summary`` until ``init()`` is called."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        raise Error(f"You must call heron.init() before heron.{self._name}.{key}")

    def __getitem__(self, key: str) -> Any:
        raise Error(f"You must call heron.init() before heron.{self._name}[{key!r}]")

    def __setattr__(self, key: str, value: Any) -> None:
        raise Error(f"You must call heron.init() before setting heron.{self._name}.{key}")

    __setitem__ = __setattr__

    def __repr__(self) -> str:
        return f"<heron.{self._name} before init()>"


_lock = threading.RLock()
_live: list[Run] = []


def add(run: Run) -> Run:
    """Register a run ``init()`` started and make it the active run."""
    with _lock:
        if run not in _live:
            _live.append(run)
        _show(run)
    return run


def remove(run: Run) -> None:
    """Forget a run that ended; if it was the active run, the latest live run takes over."""
    with _lock:
        if run in _live:
            _live.remove(run)
        if active() is run:
            _show(_live[-1] if _live else None)


def active() -> Run | None:
    """The active run (``heron.run``), or None before ``init()`` and after the last finish."""
    import heron

    return heron.run


def live_runs() -> list[Run]:
    """The runs started and not yet ended, oldest first (a copy)."""
    with _lock:
        return list(_live)


def find(run_id: str) -> list[Run]:
    """The live runs with this id (an in-process sweep agent looks up the run it reserved)."""
    return [run for run in live_runs() if run.id == run_id]


def end_all(exit_code: int, state: str | None, traceback: str | None) -> None:
    """End every live run, newest first (the exit hooks: normal exit, an exception, a signal);
    ``state`` None means finished for exit code 0, failed otherwise."""
    for run in reversed(live_runs()):
        try:
            run.end_as(exit_code, state, traceback)
        except Exception as exc:  # a run that cannot end must not stop the others
            termwarn(f"could not finish a run: {exc}")


def _show(run: Run | None) -> None:
    import heron

    heron.run = run
    heron.config = run.config if run is not None else PreInit("config")
    heron.summary = run.summary if run is not None else PreInit("summary")
