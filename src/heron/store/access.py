"""Queries behind users' rights (docs/security.md): roles, teams, project access, sessions and
the audit trail. ``heron.server.permissions`` decides with what these return; nothing here
decides who may do what."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import time
from typing import Any

import msgspec
from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from heron.errors import Conflict, NotFound, ValueRejected
from heron.store.access_tables import (
    audit_log,
    project_access,
    project_members,
    server_secrets,
    sessions,
    sweep_access,
    team_members,
    teams,
    user_roles,
)
from heron.store.schema import api_keys, projects, users

ROLES = ("admin", "member", "viewer")
"""A user's role on the server; also a member's role in a team."""
PROJECT_ROLES = ("viewer", "member", "owner")
"""A role granted to a user on one project."""
VISIBILITIES = ("server", "private")
DEFAULT_VISIBILITY = "server"


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who a key or a session speaks for."""

    user_id: int
    user: str
    role: str
    key_id: int
    teams: dict[str, str]
    """Team name -> the user's role in it."""


@dataclasses.dataclass(frozen=True)
class UserInfo:
    name: str
    role: str
    created_at: float
    removed_at: float | None
    keys: int


@dataclasses.dataclass(frozen=True)
class TeamInfo:
    name: str
    created_at: float
    members: dict[str, str]


@dataclasses.dataclass(frozen=True)
class ProjectAccess:
    """A project's owner, team, visibility and per-user grants."""

    pk: int
    entity: str
    name: str
    owner: str | None
    team: str | None
    visibility: str
    members: dict[str, str]
    """User -> role granted on this project."""
    team_members: dict[str, str]
    """User -> role in the project's team."""


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    id: int
    at: float
    actor: str | None
    action: str
    target: str
    detail: dict[str, Any]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueRejected(f"{what} {value!r} is not one of {list(allowed)}")
    return value


def _role(row_role: Any, admin_flag: Any) -> str:
    if row_role is not None:
        return str(row_role)
    return "admin" if admin_flag else "member"


class AccessSession:
    """Reads and writes of users' rights inside one store transaction
    (``SqlStore.access_session``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- users ----------------------------------------------------------------------------------
    def user_id(self, name: str) -> int | None:
        found = self._conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
        return None if found is None else int(found)


    def ensure_user(self, name: str, role: str) -> int:
        """The user's id, creating the user with ``role`` if new (concurrent creators agree)."""
        _check(role, ROLES, "role")
        found = self.user_id(name)
        if found is not None:
            return found
        values = {"name": name, "admin": int(role == "admin"), "created_at": time.time()}
        if self._conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            self._conn.execute(pg_insert(users).values(**values).on_conflict_do_nothing(
                index_elements=["name"]))
            new_id = self.user_id(name)
            assert new_id is not None
        else:
            new_id = int(self._conn.execute(insert(users).values(**values)).inserted_primary_key[0])  # type: ignore[index]
        if not self._has_role_row(new_id):
            self._conn.execute(insert(user_roles).values(user_id=new_id, role=role))
        return new_id


    def _has_role_row(self, uid: int | None) -> bool:
        return self._conn.execute(select(user_roles.c.user_id)
                                  .where(user_roles.c.user_id == uid)).first() is not None

    def _put_role_row(self, uid: int | None, **values: Any) -> None:
        if self._has_role_row(uid):
            self._conn.execute(update(user_roles).where(user_roles.c.user_id == uid)
                               .values(**values))
        else:
            self._conn.execute(insert(user_roles).values(user_id=uid, **values))

    def create_user(self, name: str, role: str) -> UserInfo:
        if self.user_id(name) is not None:
            raise Conflict(f"user {name!r} already exists")
        self.ensure_user(name, role)
        return self.get_user(name)


    def get_user(self, name: str) -> UserInfo:
        for info in self.list_users(name):
            return info
        raise NotFound(f"no user {name!r}")


    def list_users(self, name: str | None = None) -> list[UserInfo]:
        live_keys = (select(func.count()).where(api_keys.c.user_id == users.c.id,
                                                api_keys.c.revoked_at.is_(None))
                     .scalar_subquery())
        query = (select(users.c.name, users.c.admin, users.c.created_at, user_roles.c.role,
                        user_roles.c.removed_at, live_keys.label("keys"))
                 .select_from(users.outerjoin(user_roles, user_roles.c.user_id == users.c.id))
                 .order_by(users.c.name))
        if name is not None:
            query = query.where(users.c.name == name)
        return [UserInfo(name=row.name, role=_role(row.role, row.admin), created_at=row.created_at,
                         removed_at=row.removed_at, keys=int(row.keys))
                for row in self._conn.execute(query)]


    def set_role(self, name: str, role: str) -> str:
        """Give ``name`` the server role ``role``; returns the role it had."""
        _check(role, ROLES, "role")
        before = self.get_user(name)
        uid = self.user_id(name)
        self._put_role_row(uid, role=role)
        self._conn.execute(update(users).where(users.c.id == uid)
                           .values(admin=int(role == "admin")))
        return before.role


    def remove_user(self, name: str) -> None:
        """Revoke the user's keys, end their sessions, and mark them removed (their runs stay)."""
        before = self.get_user(name)
        uid = self.user_id(name)
        now = time.time()
        self._conn.execute(update(api_keys).where(api_keys.c.user_id == uid,
                                            api_keys.c.revoked_at.is_(None)).values(revoked_at=now))
        self._put_role_row(uid, role=before.role, removed_at=now)


    def count_admins(self) -> int:
        return sum(1 for u in self.list_users() if u.role == "admin" and u.removed_at is None)


    # -- who a key or a session speaks for -------------------------------------------------------
    def _teams_of(self, uid: int) -> dict[str, str]:
        query = (select(teams.c.name, team_members.c.role)
                 .join(team_members, team_members.c.team_id == teams.c.id)
                 .where(team_members.c.user_id == uid))
        return {row.name: row.role for row in self._conn.execute(query)}


    def _principal(self, where: Any) -> Principal | None:
        query = (select(users.c.id, users.c.name, users.c.admin, user_roles.c.role,
                        user_roles.c.removed_at, api_keys.c.id.label("key_id"))
                 .select_from(api_keys.join(users, users.c.id == api_keys.c.user_id)
                              .outerjoin(user_roles, user_roles.c.user_id == users.c.id))
                 .where(where, api_keys.c.revoked_at.is_(None)))
        row = self._conn.execute(query).first()
        if row is None or row.removed_at is not None:
            return None
        return Principal(user_id=row.id, user=row.name, role=_role(row.role, row.admin),
                         key_id=row.key_id, teams=self._teams_of(row.id))


    def principal_for_key(self, key: str) -> Principal | None:
        """The key's user, or None for an unknown or revoked key or a removed user."""
        return self._principal(api_keys.c.key_hash == _hash(key))


    def create_session(self, key_id: int, seconds: float) -> str:
        """A new session for the key's user; returns its token (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        self._conn.execute(insert(sessions).values(token_hash=_hash(token), key_id=key_id,
                                             created_at=now, expires_at=now + seconds))
        return token


    def principal_for_session(self, token: str) -> Principal | None:
        """The session's user, or None when it ended, expired, or its key was revoked."""
        found = self._conn.execute(select(sessions.c.key_id).where(
            sessions.c.token_hash == _hash(token), sessions.c.ended_at.is_(None),
            sessions.c.expires_at > time.time())).scalar()
        if found is None:
            return None
        return self._principal(api_keys.c.id == found)


    def end_session(self, token: str) -> None:
        self._conn.execute(update(sessions).where(sessions.c.token_hash == _hash(token))
                     .values(ended_at=time.time()))


    # -- teams ------------------------------------------------------------------------------------
    def team_id(self, name: str) -> int | None:
        found = self._conn.execute(select(teams.c.id).where(teams.c.name == name)).scalar()
        return None if found is None else int(found)


    def list_teams(self) -> list[TeamInfo]:
        members: dict[int, dict[str, str]] = {}
        for row in self._conn.execute(select(team_members.c.team_id, users.c.name,
                                             team_members.c.role)
                                .join(users, users.c.id == team_members.c.user_id)):
            members.setdefault(row.team_id, {})[row.name] = row.role
        return [TeamInfo(name=row.name, created_at=row.created_at, members=members.get(row.id, {}))
                for row in self._conn.execute(select(teams).order_by(teams.c.name))]


    def create_team(self, name: str) -> None:
        if self.team_id(name) is not None:
            raise Conflict(f"team {name!r} already exists")
        if self.user_id(name) is not None:
            raise Conflict(f"{name!r} is a user's name; a team needs a name of its own")
        self._conn.execute(insert(teams).values(name=name, created_at=time.time()))


    def set_team_member(self, team: str, user: str, role: str) -> None:
        _check(role, ROLES, "team role")
        tid, uid = self.team_id(team), self.user_id(user)
        if tid is None:
            raise NotFound(f"no team {team!r}")
        if uid is None:
            raise NotFound(f"no user {user!r}")
        where = and_(team_members.c.team_id == tid, team_members.c.user_id == uid)
        if self._conn.execute(select(team_members.c.role).where(where)).first():
            self._conn.execute(update(team_members).where(where).values(role=role))
        else:
            self._conn.execute(insert(team_members).values(team_id=tid, user_id=uid, role=role))


    def remove_team_member(self, team: str, user: str) -> None:
        tid, uid = self.team_id(team), self.user_id(user)
        done = self._conn.execute(delete(team_members).where(team_members.c.team_id == tid,
                                                       team_members.c.user_id == uid))
        if done.rowcount == 0:
            raise NotFound(f"{user!r} is not a member of team {team!r}")


    # -- projects ---------------------------------------------------------------------------------
    def project_accesses(self, name: str | None = None,
                         pk: int | None = None) -> list[ProjectAccess]:
        """Access of every project (or those named ``name``, or the one ``pk``)."""
        owner = users.alias("owner")
        query = (select(projects.c.id, projects.c.entity, projects.c.name,
                        owner.c.name.label("owner"), teams.c.name.label("team"),
                        project_access.c.team_id, project_access.c.visibility)
                 .select_from(projects.outerjoin(project_access,
                                                 project_access.c.project_id == projects.c.id)
                              .outerjoin(owner, owner.c.id == project_access.c.owner_id)
                              .outerjoin(teams, teams.c.id == project_access.c.team_id))
                 .order_by(projects.c.id))
        if name is not None:
            query = query.where(projects.c.name == name)
        if pk is not None:
            query = query.where(projects.c.id == pk)
        rows = self._conn.execute(query).all()
        if not rows:
            return []
        pks = [row.id for row in rows]
        grants: dict[int, dict[str, str]] = {}
        for g in self._conn.execute(select(project_members.c.project_id, users.c.name,
                                     project_members.c.role)
                              .join(users, users.c.id == project_members.c.user_id)
                              .where(project_members.c.project_id.in_(pks))):
            grants.setdefault(g.project_id, {})[g.name] = g.role
        team_ids = {row.team_id for row in rows if row.team_id is not None}
        in_team: dict[int, dict[str, str]] = {}
        if team_ids:
            for m in self._conn.execute(select(team_members.c.team_id, users.c.name,
                                               team_members.c.role)
                                  .join(users, users.c.id == team_members.c.user_id)
                                  .where(team_members.c.team_id.in_(team_ids))):
                in_team.setdefault(m.team_id, {})[m.name] = m.role
        return [ProjectAccess(pk=row.id, entity=row.entity, name=row.name, owner=row.owner,
                              team=row.team, visibility=row.visibility or DEFAULT_VISIBILITY,
                              members=grants.get(row.id, {}),
                              team_members=in_team.get(row.team_id, {}) if row.team_id else {})
                for row in rows]


    def ensure_project(self, entity: str, name: str, owner: str | None,
                       team: str | None, visibility: str) -> ProjectAccess:
        """The project ``entity/name``; created with this owner, team and visibility if new."""
        from heron.store.apply import project_pk

        pk = project_pk(self._conn, entity, name)
        if self._conn.execute(select(project_access.c.project_id)
                        .where(project_access.c.project_id == pk)).first() is None:
            values = {"project_id": pk,
                      "visibility": _check(visibility, VISIBILITIES, "visibility"),
                      "owner_id": self.user_id(owner) if owner else None,
                      "team_id": self.team_id(team) if team else None}
            if self._conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                self._conn.execute(pg_insert(project_access).values(**values).on_conflict_do_nothing(
                    index_elements=["project_id"]))
            else:
                self._conn.execute(insert(project_access).values(**values))
        return self.project_accesses(pk=pk)[0]


    def set_project_access(self, pk: int, **changes: str | None) -> ProjectAccess:
        """Change a project's ``visibility``, ``team`` (None: none) or ``owner``."""
        current = self.project_accesses(pk=pk)[0]
        values: dict[str, Any] = {
            "visibility": current.visibility,
            "team_id": self.team_id(current.team) if current.team else None,
            "owner_id": self.user_id(current.owner) if current.owner else None,
        }
        if "visibility" in changes:
            values["visibility"] = _check(str(changes["visibility"]), VISIBILITIES, "visibility")
        if "team" in changes:
            team = changes["team"]
            values["team_id"] = self.team_id(team) if team else None
            if team and values["team_id"] is None:
                raise NotFound(f"no team {team!r}")
        if "owner" in changes:
            owner = changes["owner"]
            values["owner_id"] = self.user_id(owner) if owner else None
            if owner and values["owner_id"] is None:
                raise NotFound(f"no user {owner!r}")
        self._conn.execute(delete(project_access).where(project_access.c.project_id == pk))
        self._conn.execute(insert(project_access).values(project_id=pk, **values))
        return self.project_accesses(pk=pk)[0]


    def set_project_member(self, pk: int, user: str, role: str | None) -> None:
        """Grant ``user`` ``role`` on the project (None: remove the grant)."""
        uid = self.user_id(user)
        if uid is None:
            raise NotFound(f"no user {user!r}")
        self._conn.execute(delete(project_members).where(project_members.c.project_id == pk,
                                                   project_members.c.user_id == uid))
        if role is not None:
            self._conn.execute(insert(project_members).values(
                project_id=pk, user_id=uid, role=_check(role, PROJECT_ROLES, "project role")))


    # -- sweeps -----------------------------------------------------------------------------------
    def set_sweep_creator(self, sweep_id: str, user: str | None) -> None:
        self._conn.execute(insert(sweep_access).values(sweep_id=sweep_id, created_by=user))


    def sweep_creator(self, sweep_id: str) -> str | None:
        found = self._conn.execute(select(sweep_access.c.created_by)
                             .where(sweep_access.c.sweep_id == sweep_id)).scalar()
        return None if found is None else str(found)


    # -- secrets ----------------------------------------------------------------------------------
    def server_secret(self, name: str, size: int = 32) -> bytes:
        """The random secret called ``name`` that every replica shares, made on first use
        (concurrent makers agree on the first one stored)."""
        query = select(server_secrets.c.value).where(server_secrets.c.name == name)
        found = self._conn.execute(query).scalar()
        if found is None:
            values = {"name": name, "value": secrets.token_bytes(size), "created_at": time.time()}
            if self._conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                self._conn.execute(pg_insert(server_secrets).values(**values)
                                   .on_conflict_do_nothing(index_elements=["name"]))
            else:  # SQLite writers hold the whole database: nobody can insert meanwhile
                self._conn.execute(insert(server_secrets).values(**values))
            found = self._conn.execute(query).scalar_one()
        return bytes(found)

    # -- the audit trail --------------------------------------------------------------------------
    def record(self, actor: str | None, action: str, target: str,
               detail: dict[str, Any] | None = None) -> None:
        self._conn.execute(insert(audit_log).values(at=time.time(), actor=actor, action=action,
                                              target=target[:1024],
                                              detail=msgspec.msgpack.encode(detail or {})))


    def audit_entries(self, limit: int = 100, before: int | None = None
                      ) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if before is not None:
            query = query.where(audit_log.c.id < before)
        return [AuditEntry(id=row.id, at=row.at, actor=row.actor, action=row.action,
                           target=row.target, detail=msgspec.msgpack.decode(row.detail))
                for row in self._conn.execute(query)]
