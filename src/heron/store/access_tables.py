"""The tables behind users' rights: roles, teams, who may see which project, dashboard
sessions and the audit trail (docs/security.md).

They sit beside the data tables instead of adding columns to them: a project, user or sweep
without a row here has the defaults (``DEFAULT_VISIBILITY``, a user's role from its ``admin``
flag, no recorded creator), so stores written before these tables keep working unchanged."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, LargeBinary, Table, UniqueConstraint

from heron.store.schema import Int, Str, metadata

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", Int(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", Str(16), nullable=False),
    # A removed user keeps its row (runs name it) but no key or session of it works.
    Column("removed_at", Float),
)

teams = Table(
    "teams",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("name", Str(128), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", Int(), ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Int(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", Str(16), nullable=False),
)

project_access = Table(
    "project_access",
    metadata,
    Column("project_id", Int(), ForeignKey("projects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("owner_id", Int(), ForeignKey("users.id")),
    Column("team_id", Int(), ForeignKey("teams.id", ondelete="SET NULL")),
    Column("visibility", Str(16), nullable=False),
)

project_members = Table(
    "project_members",
    metadata,
    Column("project_id", Int(), ForeignKey("projects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("user_id", Int(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", Str(16), nullable=False),
)

sweep_access = Table(
    "sweep_access",
    metadata,
    Column("sweep_id", Str(32), ForeignKey("sweeps.id", ondelete="CASCADE"), primary_key=True),
    Column("created_by", Str(128)),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    # Only a SHA-256 of the cookie's token is kept, as for API keys.
    Column("token_hash", Str(64), nullable=False),
    Column("key_id", Int(), ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("ended_at", Float),
    UniqueConstraint("token_hash", name="uq_sessions_token"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Int(), primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", Str(128)),
    Column("action", Str(64), nullable=False),
    Column("target", Str(1024), nullable=False),
    # msgpack: what changed (roles before/after, a run's name...).
    Column("detail", LargeBinary, nullable=False),
)
Index("ix_audit_at", audit_log.c.id)

ACCESS_TABLES = (user_roles, teams, team_members, project_access, project_members,
                 sweep_access, sessions, audit_log)

server_secrets = Table(
    "server_secrets",
    metadata,
    # Random keys every replica shares (the W&B adapter's upload-URL signatures): made once, on
    # first use, by whichever replica gets there first.
    Column("name", Str(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)
"""Created by migration 0004 (not part of ``ACCESS_TABLES``, which 0003 creates)."""
