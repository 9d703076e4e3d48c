"""Whether a run of the official client has been asked to stop: the client reads it from
file_stream's answer (``"stopped": true``) or, up to 0.22, polls ``RunStoppedStatus``.

A stop comes from a user (the dashboard's Stop, ``POST .../runs/{run}/stop``: the run's
``stop_requested_at``) or, for a sweep's run, from the controller (early termination, a
cancelled sweep)."""

from __future__ import annotations

from heron.server.wandb.context import Context
from heron.store import RunInfo


def stopped(ctx: Context, info: RunInfo) -> bool:
    if info.stop_requested_at is not None:
        return True
    if info.sweep_id is None:
        return False
    with ctx.store.sweep_session(write=False) as sweeps:
        return info.run_id in sweeps.stop_requested(info.sweep_id, [info.run_id])
