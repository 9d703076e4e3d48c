"""Users' rights: roles, teams, project access, sessions and the audit trail.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

from heron.store.access_tables import ACCESS_TABLES

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ACCESS_TABLES:
        table.create(bind=op.get_bind())


def downgrade() -> None:
    for table in reversed(ACCESS_TABLES):
        table.drop(bind=op.get_bind())
