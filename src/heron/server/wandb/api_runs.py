"""Projects and their runs for W&B's public API: ``project{internalId runCount(filters)
runs(filters, after, first, order)}`` (``api.runs(...)``) and ``models`` (``api.projects()``).

A project the caller may not see reads as one without runs, as Heron's own routes list it
(``Guard.listed``): nothing says whether it exists.
"""

from __future__ import annotations

from typing import Any

from heron.server import permissions as p
from heron.server.wandb import api_filters, entities
from heron.server.wandb.api_files import cursor_offset, iso, page_size
from heron.server.wandb.context import BadRequest, Context
from heron.server.wandb.shapes import bucket
from heron.store import RunInfo
from heron.store.access import ProjectAccess


def heron_entities(ctx: Context, sent: str | None) -> list[str]:
    """Heron's entities a W&B entity name may mean, most likely first: the caller's own name
    is Heron's default entity ``""`` (where ``heron.init()`` writes) or an entity so named."""
    if not sent:
        return [""]
    if sent == entities.default_entity(ctx.caller):
        return ["", sent]
    return [sent]


def visible_project(ctx: Context, sent: str | None, name: str) -> ProjectAccess | None:
    """The project ``sent/name`` means to the caller, None when they see none."""
    for entity in heron_entities(ctx, sent):
        found = ctx.guard.cache.find(entity, name)
        if found is not None and ctx.guard.level(found) >= p.READ:
            return found
    return None


def sees(ctx: Context, info: RunInfo) -> bool:
    """May the caller read ``info``: its own entity's project, not another of the same name
    (``Guard.run`` picks a project by name alone)."""
    found = ctx.guard.cache.find(info.entity, info.project)
    return found is not None and ctx.guard.level(found) >= p.READ


class ProjectRuns:
    """The runs of one project as the caller sees them, read once per request."""

    def __init__(self, ctx: Context, sent: str | None, name: str) -> None:
        self.ctx = ctx
        self.sent = sent
        self.name = name
        self._access: list[ProjectAccess | None] = []
        self._infos: list[RunInfo] | None = None
        self._picked: dict[str, list[RunInfo]] = {}

    @property
    def access(self) -> ProjectAccess | None:
        """The project, looked up only when a field needs it (a logging client's queries on
        ``project`` ask for none of these)."""
        if not self._access:
            self._access.append(visible_project(self.ctx, self.sent, self.name))
        return self._access[0]

    def infos(self) -> list[RunInfo]:
        if self._infos is None:
            access = self.access
            self._infos = [] if access is None else [
                info for info in self.ctx.store.list_runs(access.name, access.entity or None)
                if info.entity == access.entity]
        return self._infos

    def picked(self, filters: Any) -> list[RunInfo]:
        """The runs ``filters`` picks (``runCount`` and ``runs`` ask with the same)."""
        key = str(filters)
        if key not in self._picked:
            self._picked[key] = api_filters.pick(self.infos(), filters)
        return self._picked[key]

    def count(self, args: dict[str, Any]) -> int:
        return len(self.picked(args.get("filters")))

    def connection(self, args: dict[str, Any]) -> dict[str, Any]:
        """``runs(filters, after, first, order)``: a page of runs; a cursor is the position
        after an edge, so the next page starts where this one ended."""
        found = api_filters.ordered(self.picked(args.get("filters")), args.get("order"))
        start = cursor_offset(args.get("after"))
        size = page_size(args.get("first"), 50)
        page = found[start:start + size]
        edges = [{"node": bucket(self.ctx, info), "cursor": str(start + i + 1)}
                 for i, info in enumerate(page)]
        return {"edges": edges, "totalCount": len(found),
                "pageInfo": {"endCursor": edges[-1]["cursor"] if edges else None,
                             "hasNextPage": start + size < len(found),
                             "startCursor": edges[0]["cursor"] if edges else None,
                             "hasPreviousPage": start > 0}}


def project_reads(ctx: Context, sent: str | None, name: str) -> dict[str, Any]:
    """The fields of ``project(name, entityName)`` that the public API reads."""
    runs = ProjectRuns(ctx, sent, name)

    def internal_id(_: Any) -> str | None:
        return str(runs.access.pk) if runs.access else None

    def read_only(_: Any) -> bool:
        return runs.access is None or ctx.guard.level(runs.access) < p.WRITE

    return {"internalId": internal_id, "runCount": runs.count, "runs": runs.connection,
            "readOnly": read_only, "isBenchmark": False}


def projects(ctx: Context, args: dict[str, Any]) -> dict[str, Any]:
    """``models(entityName, after, first)``: the caller's visible projects of that entity,
    most recently active first."""
    sent = args.get("entityName")
    if sent is not None and not isinstance(sent, str):
        raise BadRequest(f"entityName must be a string, not {sent!r}")
    wanted = set(heron_entities(ctx, sent))
    visible = {(a.entity, a.name): a for a in ctx.guard.visible() if a.entity in wanted}
    shown = entities.shown_entity
    nodes = [{"__typename": "Project", "id": str(visible[(proj.entity, proj.name)].pk),
              "name": proj.name,
              "entityName": shown(proj.entity, ctx.caller),
              "entity": {"id": shown(proj.entity, ctx.caller),
                         "name": shown(proj.entity, ctx.caller)},
              "createdAt": iso(proj.created_at), "isBenchmark": False,
              "runCount": proj.run_count, "user": None}
             for proj in ctx.store.list_projects() if (proj.entity, proj.name) in visible]
    start = cursor_offset(args.get("after"))
    size = page_size(args.get("first"), 50)
    page = nodes[start:start + size]
    edges = [{"node": node, "cursor": str(start + i + 1)} for i, node in enumerate(page)]
    return {"edges": edges,
            "pageInfo": {"__typename": "PageInfo",
                         "endCursor": edges[-1]["cursor"] if edges else None,
                         "hasNextPage": start + size < len(nodes)}}
