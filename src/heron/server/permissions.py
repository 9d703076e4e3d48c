"""Who may do what on a project (docs/security.md): the rules, with no I/O.

A caller has one *level* on each project: ``NONE`` (it does not exist for them), ``READ``,
``WRITE`` (create runs, write their own) or ``OWN`` (everything, others' runs and access
included). ``heron.server.guard`` applies these to requests."""

from __future__ import annotations

from dataclasses import dataclass

from heron.errors import PermissionDenied
from heron.server.auth import Caller
from heron.store.access import ProjectAccess

NONE, READ, WRITE, OWN = 0, 1, 2, 3
LEVEL_NAMES = {NONE: "none", READ: "viewer", WRITE: "member", OWN: "owner"}
_ROLE_LEVEL = {"viewer": READ, "member": WRITE, "owner": OWN, "admin": OWN}


def project_level(caller: Caller, project: ProjectAccess) -> int:
    """The caller's level on ``project``."""
    if caller.admin:
        return OWN
    if caller.user is None:  # anonymous on a --public-read server
        return READ if project.visibility == "server" else NONE
    level = NONE
    if project.owner == caller.user:
        level = OWN
    level = max(level, _ROLE_LEVEL.get(project.members.get(caller.user, ""), NONE))
    level = max(level, _ROLE_LEVEL.get(project.team_members.get(caller.user, ""), NONE))
    if project.visibility == "server":
        level = max(level, _ROLE_LEVEL.get(caller.role or "", NONE))
    if caller.role == "viewer":  # a server viewer reads, whatever they were granted
        level = min(level, READ)
    return level


def may_write_run(caller: Caller, level: int, run_user: str | None) -> bool:
    """Members write their own runs; owners any run of the project."""
    return level >= OWN or (level >= WRITE and caller.user is not None
                            and run_user == caller.user)


@dataclass(frozen=True)
class NewProject:
    """Who a project gets at creation, from the entity its first run names."""

    owner: str | None
    team: str | None
    visibility: str


def new_project(caller: Caller, entity: str, users: set[str], teams: set[str]) -> NewProject:
    """The terms of a new project ``entity/...`` created by ``caller``; ``PermissionDenied``
    when the caller may not create it. ``users`` and ``teams`` are the names that exist."""
    if caller.user is not None and caller.role == "viewer":
        raise PermissionDenied(f"user {caller.user!r} is a viewer and cannot create projects")
    if entity in teams:
        role = caller.teams.get(entity)
        if not caller.admin and role not in ("admin", "member"):
            raise PermissionDenied(f"user {caller.user!r} cannot write to team {entity!r} "
                                   f"(team role: {role or 'none'})")
        return NewProject(owner=None, team=entity, visibility="private")
    if entity and entity in users and entity != caller.user and not caller.admin:
        raise PermissionDenied(f"entity {entity!r} is another user; user {caller.user!r} may "
                               "create projects only under their own name, a team of theirs, "
                               "or no entity")
    owner = entity if entity in users else caller.user
    return NewProject(owner=owner, team=None, visibility="server")
