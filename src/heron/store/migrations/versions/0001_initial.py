"""The baseline schema.

Revision ID: 0001
Revises: None

The baseline creates the tables exactly as ``heron.store.schema`` defines them at this revision.
The first later revision that changes ``schema.py`` must first freeze these definitions here.
(The PostgreSQL column types of ``schema.Int``/``schema.Str`` were widened in this revision:
before that change no PostgreSQL store could be migrated at all, and SQLite's DDL is unchanged.)
"""

from __future__ import annotations

from alembic import op

from heron.store.schema import metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(bind=op.get_bind())


def downgrade() -> None:
    metadata.drop_all(bind=op.get_bind())
