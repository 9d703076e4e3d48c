"""The ``project`` and ``model`` queries: a resuming client's RunResumeStatus, an older
client's RunStoppedStatus, and the public API's reads (``wandb.Api()``)."""

from __future__ import annotations

from typing import Any

from heron.server.wandb import api_runs, entities
from heron.server.wandb.context import Context
from heron.server.wandb.graphql import Resolver
from heron.server.wandb.shapes import bucket, project_of, text
from heron.server.wandb.stops import stopped
from heron.server.wandb.sweep_shapes import sweep_field


def project(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``project(name, entityName){run(name){...}}`` (RunStoppedStatus of older clients, the
    public API) and ``model(...){bucket(name){...}}`` (RunResumeStatus): a run the caller may
    not see, or that does not exist, is null (a new run, to a resuming client; "Could not
    find run" to the public API). The public API's ``runs(filters, ...)``, ``runCount`` and
    ``internalId`` come from ``api_runs``, ``sweep(sweepName)`` (the CLI agent's
    SweepWithRuns) from ``sweep_shapes``."""
    name = text(args.get("name"), "name") or ""
    sent = text(args.get("entityName"), "entityName")

    def run(given: dict[str, Any]) -> dict[str, Any] | None:
        run_id = text(given.get("name"), "name") or ""
        _, info = entities.resolve(ctx.store, ctx.caller, sent, name, run_id)
        if info is None or not api_runs.sees(ctx, info):
            return None  # the same null for a run not there and one the caller may not see
        return {**bucket(ctx, info), "stopped": lambda _: stopped(ctx, info)}

    entity = "" if not sent or sent == entities.default_entity(ctx.caller) else sent
    return {**project_of(ctx, name, entity), **api_runs.project_reads(ctx, sent, name),
            "run": run, "bucket": run, "sweep": lambda given: sweep_field(ctx, given)}


RESOLVERS: dict[str, Resolver] = {
    "model": project,
    "project": project,
    "models": api_runs.projects,
}
