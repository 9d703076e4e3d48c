"""Teeing stdout and stderr into the run's console log; the user still sees everything."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

Emit = Callable[[str, float, str], None]


def collapse_carriage_returns(line: str) -> str:
    """What a terminal would show: the text after the last carriage return (tqdm's redraws)."""
    if "\r" not in line:
        return line
    parts = [p for p in line.split("\r") if p]
    return parts[-1] if parts else ""


class _Tee:
    """A text stream that writes through to ``original`` and emits whole lines."""

    def __init__(self, original: TextIO, name: str, emit: Emit) -> None:
        self._original = original
        self._name = name
        self._emit = emit
        self._partial = ""
        self._lock = threading.RLock()  # reentrant: a signal handler may print mid-write

    def write(self, text: str) -> int:
        written = self._original.write(text)
        try:
            self._capture(text)
        except Exception:
            pass  # capturing must never break printing
        return written

    def _capture(self, text: str) -> None:
        if not isinstance(text, str):
            return
        with self._lock:
            data = self._partial + text
            if "\n" not in data:
                self._partial = data[-65536:]
                return
            *lines, self._partial = data.split("\n")
        now = time.time()
        for line in lines:
            self._emit(self._name, now, collapse_carriage_returns(line))

    def flush_partial(self) -> None:
        with self._lock:
            rest, self._partial = self._partial, ""
        rest = collapse_carriage_returns(rest)
        if rest:
            self._emit(self._name, time.time(), rest)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


class ConsoleCapture:
    """Installs the tees on ``sys.stdout``/``sys.stderr`` and removes them again."""

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._tees: list[tuple[str, _Tee]] = []

    def start(self) -> None:
        for name in ("stdout", "stderr"):
            original = getattr(sys, name)
            if original is None or isinstance(original, _Tee):
                continue
            tee = _Tee(original, name, self._emit)
            setattr(sys, name, tee)
            self._tees.append((name, tee))

    def stop(self) -> None:
        for name, tee in self._tees:
            tee.flush_partial()
            if getattr(sys, name) is tee:
                setattr(sys, name, tee._original)
        self._tees.clear()
