"""A run of the official client joining its sweep, on its first ``UpsertBucket``.

The agent hands the client a run id the controller reserved (a pending run of the sweep, with
its parameters); the client's first upsert names it and the sweep (``sweep`` = sweep id). That
upsert starts the reserved run as a new run (not a resume): its own metadata, the parameters
laid over the config it sent (W&B's sweep values win over the script's), the sweep's id.
A run the controller did not reserve that names a sweep (``WANDB_SWEEP_ID`` set by hand) joins
it too, with its config as its parameters, as a prior run would. Either way the run is stored in
the sweep's project, whatever project the client named (``sweep_project``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from heron.errors import ValueRejected
from heron.server import permissions as p
from heron.server.wandb.context import Context
from heron.server.wandb.shapes import text
from heron.server.wandb.sweep_shapes import find_sweep
from heron.store import RunInfo


@dataclass
class SweepStart:
    """What the run's ``RunStart`` takes from its sweep."""

    sweep_id: str
    name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def joining(ctx: Context, sweep: Any, project: str, info: RunInfo | None) -> SweepStart | None:
    """The sweep the upserted run starts in, or None: no ``sweep`` sent, or a run that already
    started (a later upsert, a resume), which keeps what it has."""
    sweep_id = text(sweep, "sweep")
    if not sweep_id:
        return None
    if info is not None:
        if info.state != "pending" or info.sweep_id != sweep_id:
            return None
        with ctx.store.sweep_session(write=False) as session:
            runs = session.sweep_runs(sweep_id, None)
        params = next((run.params for run in runs if run.run_id == info.run_id), {})
        return SweepStart(sweep_id=sweep_id, name=info.name, params=dict(params))
    found = find_sweep(ctx, sweep_id, p.WRITE)
    if found.project != project:  # sweep_project() sends the run to its sweep's project
        raise ValueRejected(f"the run names sweep {sweep_id!r} of project {found.project!r} "
                            f"but is logged to project {project!r}")
    return SweepStart(sweep_id=sweep_id)


def sweep_project(ctx: Context, sweep: Any, project: str) -> str:
    """The project a run naming ``sweep`` is stored in: the sweep's own (``wandb agent`` may
    have been given the bare sweep id, and then the client only knows a default project);
    ``project`` when no sweep is named. The client goes on with the project of the answer
    (``wandb agent SWEEP_ID`` is tested so)."""
    sweep_id = text(sweep, "sweep")
    if not sweep_id:
        return project
    return find_sweep(ctx, sweep_id, p.WRITE).project
