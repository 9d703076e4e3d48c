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


def create_key(conn: Connection, user: str, admin: bool = False) -> tuple[str, KeyInfo]:
    """Create a key for ``user`` (created if new); returns the key, which is not stored."""
    user_id = conn.execute(select(users.c.id).where(users.c.name == user)).scalar()
    if user_id is None and conn.dialect.name == "postgresql":
        # Replicas starting together may each create the first admin: the later one waits
        # for the earlier one's commit and then uses its user row instead of failing.
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(users).values(name=user, admin=int(admin), created_at=time.time())
                     .on_conflict_do_nothing(index_elements=["name"]))
        user_id = conn.execute(select(users.c.id).where(users.c.name == user)).scalar_one()
    elif user_id is None:
        result = conn.execute(insert(users).values(name=user, admin=int(admin),
                                                   created_at=time.time()))
        user_id = result.inserted_primary_key[0]  # type: ignore[index]
    key = new_key()
    now = time.time()
    result = conn.execute(insert(api_keys).values(
        user_id=user_id, key_hash=hash_key(key), hint=key[:7], created_at=now,
    ))
    key_id = result.inserted_primary_key[0]  # type: ignore[index]
    is_admin = bool(conn.execute(select(users.c.admin).where(users.c.id == user_id)).scalar())
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
    """The key's owner, or None for an unknown or revoked key."""
    query = select(api_keys, users.c.name, users.c.admin).join(
        users, users.c.id == api_keys.c.user_id).where(api_keys.c.key_hash == hash_key(key))
    row = conn.execute(query).first()
    if row is None or row.revoked_at is not None:
        return None
    return KeyInfo(id=row.id, user=row.name, admin=bool(row.admin), hint=row.hint,
                   created_at=row.created_at, revoked_at=None)


def has_keys(conn: Connection) -> bool:
    return conn.execute(select(api_keys.c.id).limit(1)).first() is not None
