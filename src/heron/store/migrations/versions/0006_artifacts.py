"""Artifacts: collections, versions, aliases, entries and usage (store/artifact_tables.py).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from heron.store.artifact_tables import ARTIFACT_TABLES

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ARTIFACT_TABLES:
        table.create(bind=op.get_bind())


def downgrade() -> None:
    for table in reversed(ARTIFACT_TABLES):
        table.drop(bind=op.get_bind())
