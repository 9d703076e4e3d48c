"""Sweeps and the runs they hand out.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from heron.store.sweep_tables import SWEEP_TABLES

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in SWEEP_TABLES:
        table.create(bind=op.get_bind())


def downgrade() -> None:
    for table in reversed(SWEEP_TABLES):
        table.drop(bind=op.get_bind())
