"""W&B's entity/project/run names as Heron's (docs/wandb-client.md, "Entities").

The client names an entity only when the user gives one; otherwise the server picks it and the
client uses the picked name from then on. Heron's default is the empty entity (what
``heron.init()`` without ``entity=`` writes), so a run from either SDK lands in the same
project: no entity -> Heron's "" (and the client is told the caller's user name); the caller's
user name for a run stored under "" -> ""; any other name -> that entity, with the rules of
docs/security.md (a team's project, another user's refused...).
"""

from __future__ import annotations

from heron import records as r
from heron.errors import RunNotFound
from heron.server.auth import Caller
from heron.server.names import check_name
from heron.server.wandb.context import Context
from heron.store import RunInfo, SqlStore

LOCAL_ENTITY = "local"
"""The entity name the client is told on ``heron ui``, which has no users."""


def default_entity(caller: Caller) -> str:
    """The name given to the client for Heron's default entity."""
    return caller.user or LOCAL_ENTITY


def find_run(store: SqlStore, entity: str, project: str, run_id: str) -> RunInfo | None:
    """The run stored under exactly ``entity`` (``""`` included)."""
    info = store.get_run(project, run_id, entity or None)
    if info is None or info.entity != entity:
        return None
    return info


def resolve(store: SqlStore, caller: Caller, sent: str | None, project: str,
            run_id: str) -> tuple[str, RunInfo | None]:
    """Heron's entity for the client's ``sent`` one, and the run if it exists."""
    check_name("project", project)
    check_name("run id", run_id)
    if not sent:
        return "", find_run(store, "", project, run_id)
    check_name("entity", sent)
    found = find_run(store, sent, project, run_id)
    if found is None and sent == default_entity(caller):
        default = find_run(store, "", project, run_id)
        if default is not None:
            return "", default
    return sent, found


def shown_entity(entity: str, caller: Caller) -> str:
    """What the client is told a run's entity is."""
    return entity or default_entity(caller)


def writable_run(ctx: Context, entity: str | None, project: str, run_id: str) -> RunInfo:
    """The client's run for a change (its files, an artifact it logs or uses); ``RunNotFound``
    when there is none, ``PermissionDenied`` unless the caller may write it."""
    heron_entity, info = resolve(ctx.store, ctx.caller, entity, project, run_id)
    if info is None:
        raise RunNotFound(f"no run {run_id!r} in project {project!r}")
    ctx.guard.check_batch(r.Batch(project=project, run_id=run_id, seq=0, entity=heron_entity,
                                  records=[]))
    return info
