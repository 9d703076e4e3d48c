"""The baseline schema.

Revision ID: 0001
Revises: None

The baseline creates the ``BASELINE`` tables as ``heron.store.schema`` defines them at this
revision. A later revision that changes one of them must first freeze its definition here.
(The PostgreSQL column types of ``schema.Int``/``schema.Str`` were widened in this revision:
before that change no PostgreSQL store could be migrated at all, and SQLite's DDL is unchanged.)
"""

from __future__ import annotations

from typing import Any

from alembic import op

from heron.store.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


BASELINE = ("projects", "runs", "history_chunks", "history_objects", "console_lines",
            "run_files", "alerts", "users", "api_keys", "events")


def _tables() -> list[Any]:
    return [t for t in metadata.sorted_tables if t.name in BASELINE]


def upgrade() -> None:
    metadata.create_all(bind=op.get_bind(), tables=_tables())


def downgrade() -> None:
    metadata.drop_all(bind=op.get_bind(), tables=_tables())
