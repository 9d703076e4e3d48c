"""The rules that turn ``log(data, step, commit)`` calls into committed history rows.

They are W&B's: a call without ``step`` commits the open row unless ``commit=False``; an explicit
``step`` leaves its row open until a higher step, a call without ``step``, or ``commit=True``
closes it; a step lower than the current one is dropped with a warning (or kept, or raised, as
``step_policy`` says).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from heron.errors import UsageError


class StepError(UsageError):
    """``log(step=...)`` went backwards under ``step_policy="raise"``."""


class StepTracker:
    """Holds the open row and the step counter; ``log`` returns the rows it commits."""

    def __init__(self, start_time: float, step: int = 0, policy: str = "warn-drop") -> None:
        self.step = step
        self.start_time = start_time
        self.policy = policy
        self.partial: dict[str, Any] = {}

    def log(self, data: dict[str, Any], step: int | None = None, commit: bool | None = None
            ) -> list[tuple[int, dict[str, Any]]]:
        committed: list[tuple[int, dict[str, Any]]] = []
        flush = commit
        if step is not None:
            if step < self.step:
                return self._backwards(data, step, commit)
            if step > self.step:
                self._commit(committed)
                self.step = step
        elif flush is None:
            flush = True
        partial = self.partial
        partial.update(data)
        if "_timestamp" not in data:
            partial["_timestamp"] = time.time()
        if flush:
            self._commit(committed)
        return committed

    def flush(self) -> list[tuple[int, dict[str, Any]]]:
        """Commit the open row, if any (``finish()`` calls this)."""
        committed: list[tuple[int, dict[str, Any]]] = []
        self._commit(committed)
        return committed

    def _commit(self, out: list[tuple[int, dict[str, Any]]]) -> None:
        row = self.partial
        if not row:
            return
        self.partial = {}
        step = self.step
        row["_step"] = step
        row["_runtime"] = row["_timestamp"] - self.start_time
        out.append((step, row))
        self.step = step + 1

    def _backwards(self, data: dict[str, Any], step: int, commit: bool | None
                   ) -> list[tuple[int, dict[str, Any]]]:
        message = (
            f"Tried to log to step {step} that is less than the current step {self.step}. "
            "Steps must be monotonically increasing, so this data will be ignored."
        )
        if self.policy == "raise":
            raise StepError(message.replace("so this data will be ignored", "so it was refused"))
        if self.policy == "warn-drop":
            warnings.warn(message + " Set settings.step_policy='keep' to store it anyway.",
                          stacklevel=4)
            return []
        # "keep": store the row at the step it names, leaving the current row untouched.
        row = dict(data)
        row.setdefault("_timestamp", time.time())
        row["_step"] = step
        row["_runtime"] = row["_timestamp"] - self.start_time
        return [(step, row)]
