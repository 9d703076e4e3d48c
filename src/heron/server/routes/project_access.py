"""A project's access: its owner, team, visibility and the roles granted on it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from heron.server import permissions as p
from heron.server.guard import ReadGuard, WriteGuard
from heron.server.routes.admin import changed
from heron.store.access import ProjectAccess

router = APIRouter()

class AccessChange(BaseModel):
    visibility: str | None = None
    team: str | None = None
    """A team's name; null: no team. Left out: unchanged (as ``owner``)."""
    owner: str | None = None


class Grant(BaseModel):
    role: str


def access_json(project: ProjectAccess, level: int) -> dict[str, Any]:
    return {"entity": project.entity, "name": project.name, "owner": project.owner,
            "team": project.team, "visibility": project.visibility,
            "members": [{"user": u, "role": r} for u, r in sorted(project.members.items())],
            "level": p.LEVEL_NAMES[level]}


@router.get("/projects/{project}/access")
def get_access(project: str, guard: ReadGuard) -> dict[str, Any]:
    found = guard.project(project)
    return access_json(found, guard.level(found))


@router.patch("/projects/{project}/access")
def change_access(project: str, body: AccessChange, request: Request, guard: WriteGuard
                  ) -> dict[str, Any]:
    found = guard.project(project, p.OWN)
    changes: dict[str, str | None] = {}
    if body.visibility is not None:
        changes["visibility"] = body.visibility
    for name in ("team", "owner"):
        if name in body.model_fields_set:
            changes[name] = getattr(body, name)
    with guard.store.access_session(write=True) as access:
        updated = access.set_project_access(found.pk, **changes)
        access.record(guard.caller.user, "project.access", f"{found.entity}/{found.name}",
                      {k: [getattr(found, k), v] for k, v in changes.items()})
    changed(request)
    return access_json(updated, guard.level(updated))


@router.put("/projects/{project}/members/{user}")
def grant(project: str, user: str, body: Grant, request: Request, guard: WriteGuard
          ) -> dict[str, str]:
    found = guard.project(project, p.OWN)
    with guard.store.access_session(write=True) as access:
        access.set_project_member(found.pk, user, body.role)
        access.record(guard.caller.user, "project.grant", f"{found.entity}/{found.name}",
                      {"user": user, "role": body.role})
    changed(request)
    return {"user": user, "role": body.role}


@router.delete("/projects/{project}/members/{user}")
def revoke_grant(project: str, user: str, request: Request, guard: WriteGuard
                 ) -> dict[str, bool]:
    found = guard.project(project, p.OWN)
    with guard.store.access_session(write=True) as access:
        access.set_project_member(found.pk, user, None)
        access.record(guard.caller.user, "project.grant.remove",
                      f"{found.entity}/{found.name}", {"user": user})
    changed(request)
    return {"removed": True}
