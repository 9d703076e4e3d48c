"""Stops the script when someone stops its run (the dashboard's Stop, ``heron.Api``'s
``run.stop()``, ``POST .../runs/{run}/stop``), as W&B's "Stop run" does: the main thread gets a
``KeyboardInterrupt``, so the script unwinds through its own ``finally`` blocks and the run
ends ``killed`` with exit code 255.

The run's store is asked every ``STOP_POLL_SECONDS`` (a read of one run row, locally or over
HTTP). A sweep's runs are left to their agent, which stops only its run, not itself.
"""

from __future__ import annotations

import _thread
import threading
from collections.abc import Callable
from typing import Any

from heron.term import termwarn

STOP_POLL_SECONDS = 5.0


class StopWatch:
    """Polls ``fetch()`` (the run as stored, or None) until ``stop()``; calls ``on_stop`` once
    when the stored run carries a stop request."""

    def __init__(self, fetch: Callable[[], Any], on_stop: Callable[[], None],
                 interval: float = STOP_POLL_SECONDS) -> None:
        self._fetch = fetch
        self._on_stop = on_stop
        self._interval = interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="heron-stop-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()

    def _loop(self) -> None:
        while not self._done.wait(self._interval):
            try:
                info = self._fetch()
            except Exception:  # a store or server that is down now: ask again next time
                continue
            if getattr(info, "stop_requested_at", None) is not None and not self._done.is_set():
                self._done.set()
                self._on_stop()


def interrupt_script(run_name: str) -> Callable[[], None]:
    """What a stop does to a plain script: say so, then interrupt the main thread."""
    def stop() -> None:
        termwarn(f"run {run_name} was asked to stop; interrupting the script")
        _thread.interrupt_main()
    return stop
