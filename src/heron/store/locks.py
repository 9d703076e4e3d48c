"""PostgreSQL advisory lock ids: one named constant per purpose, never a bare number.

Transaction-level locks (``pg_advisory_xact_lock``) that serialise the few writes replicas must
not run at once. SQLite needs none: its writers already queue at ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

MIGRATION_LOCK = 724120001
"""Held while migrating the schema: replicas starting together migrate once, the rest wait."""

EVENTS_LOCK = 724120002
"""Held just before a batch's event row is inserted, so event ids commit in order (the live
feed's cursor never skips an event a slower transaction commits later)."""

FIRST_KEY_LOCK = 724120003
"""Held while creating the first admin key, so replicas starting together make only one."""
