"""Sweep assignments: the sweep run that ``init()`` becomes when an agent started the code.

An in-process agent (``heron.agent(sweep_id, function=train)``) sets the assignment in a
``contextvars.ContextVar`` around the function call, so several agents (threads, sweeps) can
share a process; a command agent (``heron agent SWEEP_ID``) hands it to the program's process
in environment variables, the only channel there. ``current()`` reads the first, then the second.
"""

from __future__ import annotations

import contextvars
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from heron.errors import ValueRejected

ENV_SWEEP = "HERON_SWEEP_ID"
ENV_RUN = "HERON_RUN_ID"
ENV_PARAMS = "HERON_SWEEP_PARAMS"
ENV_PROJECT = "HERON_SWEEP_PROJECT"
ENV_ENTITY = "HERON_SWEEP_ENTITY"


@dataclass(frozen=True)
class SweepAssignment:
    """One reserved sweep run: its sweep, id, parameters and where it belongs.

    ``run_id`` None (a program started with ``HERON_SWEEP_ID`` and parameters but no run id)
    lets ``init()`` pick the id as usual.
    """

    sweep_id: str
    run_id: str | None
    params: dict[str, Any] = field(default_factory=dict)
    project: str | None = None
    entity: str | None = None

    def to_environ(self) -> dict[str, str]:
        """The variables a command agent sets for the run's process."""
        return {ENV_SWEEP: self.sweep_id, ENV_RUN: str(self.run_id),
                ENV_PARAMS: json.dumps(self.params), ENV_PROJECT: self.project or "",
                ENV_ENTITY: self.entity or ""}


_assigned: contextvars.ContextVar[SweepAssignment | None] = contextvars.ContextVar(
    "heron_sweep_assignment", default=None)


@contextmanager
def assigned(assignment: SweepAssignment) -> Iterator[None]:
    """Make ``assignment`` the current context's (what an in-process agent wraps a call in)."""
    token = _assigned.set(assignment)
    try:
        yield
    finally:
        _assigned.reset(token)


def current(sweep_id: str | None, run_id: str | None,
            environ: Mapping[str, str] | None = None) -> SweepAssignment | None:
    """This context's assignment, else the one in the environment, else None.

    ``sweep_id`` and ``run_id`` are the resolved settings (``HERON_SWEEP_ID`` /
    ``WANDB_SWEEP_ID``, ``HERON_RUN_ID`` / ``WANDB_RUN_ID``); the environment names a sweep run
    only when a sweep id and ``HERON_SWEEP_PARAMS`` are both set.
    """
    found = _assigned.get()
    if found is not None:
        return found
    env = os.environ if environ is None else environ
    raw = env.get(ENV_PARAMS)
    if not sweep_id or not raw:
        return None
    try:
        params = json.loads(raw)
    except ValueError:
        raise ValueRejected(f"{ENV_PARAMS}={raw[:80]!r} is not JSON") from None
    if not isinstance(params, dict):
        return None
    return SweepAssignment(sweep_id=sweep_id, run_id=run_id, params=params,
                           project=env.get(ENV_PROJECT) or None, entity=env.get(ENV_ENTITY))
