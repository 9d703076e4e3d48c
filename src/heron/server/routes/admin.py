"""Users, API keys, teams and the audit trail (docs/security.md). Admins manage everything;
members their own keys; team admins their team's members."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from heron.errors import Conflict, NotFound, PermissionDenied
from heron.server.auth import Caller
from heron.server.deps import ReadDep, StoreDep, WriteDep
from heron.server.names import check_name
from heron.store import SqlStore
from heron.store.keys import KeyInfo

router = APIRouter()


class NewUser(BaseModel):
    name: str
    role: str = "member"


class RoleChange(BaseModel):
    role: str


class NewKey(BaseModel):
    user: str | None = None


class NewTeam(BaseModel):
    name: str


def require_admin(caller: Caller) -> None:
    if not caller.admin:
        raise PermissionDenied(f"{caller.user or 'an anonymous caller'} is not an admin")


def changed(request: Request) -> None:
    """Rights changed in this process: forget what was cached (other replicas re-read within
    a second)."""
    request.app.state.auth.forget()
    request.app.state.access_cache.invalidate()


def audit(store: SqlStore, caller: Caller, action: str, target: str,
          detail: dict[str, Any] | None = None) -> None:
    with store.access_session(write=True) as access:
        access.record(caller.user, action, target, detail)


def _key_json(info: KeyInfo) -> dict[str, Any]:
    return {"id": info.id, "user": info.user, "hint": info.hint, "created_at": info.created_at,
            "revoked_at": info.revoked_at}


# -- users ------------------------------------------------------------------------------------
@router.get("/users")
def users(store: StoreDep, caller: ReadDep) -> list[dict[str, Any]]:
    require_admin(caller)
    with store.access_session() as access:
        return [asdict(u) for u in access.list_users()]


@router.post("/users")
def create_user(body: NewUser, store: StoreDep, caller: WriteDep) -> dict[str, Any]:
    require_admin(caller)
    check_name("user name", body.name)
    with store.access_session(write=True) as access:
        if access.team_id(body.name) is not None:
            raise Conflict(f"{body.name!r} is a team's name; a user needs a name of its own")
        info = access.create_user(body.name, body.role)
        access.record(caller.user, "user.create", body.name, {"role": body.role})
    return asdict(info)


@router.patch("/users/{name}")
def change_role(name: str, body: RoleChange, request: Request, store: StoreDep,
                caller: WriteDep) -> dict[str, Any]:
    require_admin(caller)
    with store.access_session(write=True) as access:
        if body.role != "admin" and access.get_user(name).role == "admin" \
                and access.count_admins() <= 1:
            raise Conflict(f"{name!r} is the last admin; make another admin first")
        before = access.set_role(name, body.role)
        access.record(caller.user, "user.role", name, {"from": before, "to": body.role})
        info = access.get_user(name)
    changed(request)
    return asdict(info)


@router.delete("/users/{name}")
def remove_user(name: str, request: Request, store: StoreDep, caller: WriteDep
                ) -> dict[str, bool]:
    require_admin(caller)
    with store.access_session(write=True) as access:
        if access.get_user(name).role == "admin" and access.count_admins() <= 1:
            raise Conflict(f"{name!r} is the last admin; make another admin first")
        access.remove_user(name)
        access.record(caller.user, "user.remove", name)
    changed(request)
    return {"removed": True}


# -- keys -------------------------------------------------------------------------------------
def _key(store: SqlStore, caller: Caller, key_id: int) -> KeyInfo:
    """Key ``key_id`` if the caller may manage it (theirs, or they are an admin)."""
    for info in store.list_keys():
        if info.id == key_id and (caller.admin or info.user == caller.user):
            return info
    raise NotFound(f"no key {key_id}")


@router.get("/keys")
def keys(store: StoreDep, caller: ReadDep) -> list[dict[str, Any]]:
    if caller.user is None and not caller.admin:
        raise PermissionDenied("sign in to list your keys")
    return [_key_json(k) for k in store.list_keys() if caller.admin or k.user == caller.user]


def _new_key(store: SqlStore, caller: Caller, user: str) -> dict[str, Any]:
    with store.access_session() as access:
        found = [u for u in access.list_users(user)]
    if not found:
        raise NotFound(f"no user {user!r}; create it first (POST /api/v1/users)")
    if found[0].removed_at is not None:
        raise Conflict(f"user {user!r} was removed")
    key, info = store.create_key(user)
    audit(store, caller, "key.create", user, {"key": info.id, "hint": info.hint})
    return {**_key_json(info), "key": key}


@router.post("/keys")
def create_key(body: NewKey, store: StoreDep, caller: WriteDep) -> dict[str, Any]:
    """A new key (shown only in this answer) for the caller, or for ``user`` (admins)."""
    user = body.user or caller.user
    if user is None:
        raise PermissionDenied("name the user the key is for")
    if user != caller.user:
        require_admin(caller)
    elif caller.role == "viewer":
        raise PermissionDenied(f"{user!r} is a viewer; an admin creates viewers' keys")
    return _new_key(store, caller, user)


@router.delete("/keys/{key_id}")
def revoke_key(key_id: int, request: Request, store: StoreDep, caller: WriteDep
               ) -> dict[str, bool]:
    info = _key(store, caller, key_id)
    revoked = store.revoke_key(info.id)
    if revoked:
        audit(store, caller, "key.revoke", info.user, {"key": info.id, "hint": info.hint})
    changed(request)
    return {"revoked": revoked}


@router.post("/keys/{key_id}/rotate")
def rotate_key(key_id: int, request: Request, store: StoreDep, caller: WriteDep
               ) -> dict[str, Any]:
    """A new key for the key's user; the old one is revoked."""
    info = _key(store, caller, key_id)
    if info.revoked_at is not None:
        raise Conflict(f"key {key_id} is already revoked")
    new = _new_key(store, caller, info.user)
    store.revoke_key(info.id)
    audit(store, caller, "key.rotate", info.user, {"from": info.id, "to": new["id"]})
    changed(request)
    return new


# -- teams ------------------------------------------------------------------------------------
@router.get("/teams")
def teams(store: StoreDep, caller: ReadDep) -> list[dict[str, Any]]:
    with store.access_session() as access:
        return [{"name": t.name, "created_at": t.created_at,
                 "members": [{"user": u, "role": r} for u, r in sorted(t.members.items())]}
                for t in access.list_teams()]


@router.post("/teams")
def create_team(body: NewTeam, request: Request, store: StoreDep, caller: WriteDep
                ) -> dict[str, str]:
    require_admin(caller)
    check_name("team name", body.name)
    with store.access_session(write=True) as access:
        access.create_team(body.name)
        access.record(caller.user, "team.create", body.name)
    changed(request)
    return {"name": body.name}


def _require_team_admin(caller: Caller, team: str) -> None:
    if not caller.admin and caller.teams.get(team) != "admin":
        raise PermissionDenied(f"{caller.user or 'an anonymous caller'} is not an admin of "
                               f"team {team!r}")


@router.put("/teams/{team}/members/{user}")
def set_member(team: str, user: str, body: RoleChange, request: Request, store: StoreDep,
               caller: WriteDep) -> dict[str, str]:
    _require_team_admin(caller, team)
    with store.access_session(write=True) as access:
        access.set_team_member(team, user, body.role)
        access.record(caller.user, "team.member", f"{team}/{user}", {"role": body.role})
    changed(request)
    return {"team": team, "user": user, "role": body.role}


@router.delete("/teams/{team}/members/{user}")
def remove_member(team: str, user: str, request: Request, store: StoreDep, caller: WriteDep
                  ) -> dict[str, bool]:
    _require_team_admin(caller, team)
    with store.access_session(write=True) as access:
        access.remove_team_member(team, user)
        access.record(caller.user, "team.member.remove", f"{team}/{user}")
    changed(request)
    return {"removed": True}


# -- the audit trail --------------------------------------------------------------------------
@router.get("/audit")
def audit_trail(store: StoreDep, caller: ReadDep, limit: int = Query(100, ge=1, le=1000),
                before: int | None = Query(None, ge=1, le=2**63 - 1)) -> list[dict[str, Any]]:
    require_admin(caller)
    with store.access_session() as access:
        return [asdict(e) for e in access.audit_entries(limit, before)]
