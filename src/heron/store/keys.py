"""Users and API keys: keys are shown once at creation and only their SHA-256 is stored."""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
import time

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from heron.store.schema import api_keys, users

KEY_PREFIX = "hk-"


@dataclasses.dataclass
class KeyInfo:
    id: int
    user: str
    admin: bool
    hint: str
    created_at: float
    revoked_at: float | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    """``hk-`` and 43 URL-safe characters (256 bits): the shape W&B's client accepts too."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_key(conn: Connection, user: str, admin: bool = False,
               role: str | None = None) -> tuple[str, KeyInfo]:
    """Create a key for ``user`` (created with ``role``, default member or admin, if new);
    returns the key, which is not stored."""
    from heron.store.access import AccessSession

    access = AccessSession(conn)
    user_id = access.ensure_user(user, role or ("admin" if admin else "member"))
    key = new_key()
    now = time.time()
    result = conn.execute(insert(api_keys).values(
        user_id=user_id, key_hash=hash_key(key), hint=key[:7], created_at=now,
    ))
    key_id = result.inserted_primary_key[0]  # type: ignore[index]
    is_admin = access.get_user(user).role == "admin"
    return key, KeyInfo(id=int(key_id), user=user, admin=is_admin, hint=key[:7], created_at=now,
                        revoked_at=None)


def list_keys(conn: Connection) -> list[KeyInfo]:
    query = select(api_keys, users.c.name, users.c.admin).join(
        users, users.c.id == api_keys.c.user_id).order_by(api_keys.c.id)
    return [KeyInfo(id=row.id, user=row.name, admin=bool(row.admin), hint=row.hint,
                    created_at=row.created_at, revoked_at=row.revoked_at)
            for row in conn.execute(query)]


def revoke_key(conn: Connection, key_id: int) -> bool:
    done = conn.execute(update(api_keys).where(api_keys.c.id == key_id,
                                               api_keys.c.revoked_at.is_(None))
                        .values(revoked_at=time.time()))
    return done.rowcount > 0


def check_key(conn: Connection, key: str) -> KeyInfo | None:
    """The key's owner, or None for an unknown or revoked key or a removed user."""
    from heron.store.access import AccessSession

    found = AccessSession(conn).principal_for_key(key)
    if found is None:
        return None
    row = conn.execute(select(api_keys).where(api_keys.c.id == found.key_id)).one()
    return KeyInfo(id=found.key_id, user=found.user, admin=found.role == "admin", hint=row.hint,
                   created_at=row.created_at, revoked_at=None)


def has_keys(conn: Connection) -> bool:
    return conn.execute(select(api_keys.c.id).limit(1)).first() is not None
