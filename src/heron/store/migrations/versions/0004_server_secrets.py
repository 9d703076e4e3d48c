"""Secrets shared by every replica (signed upload URLs of the W&B adapter).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

from heron.store.access_tables import server_secrets

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    server_secrets.create(bind=op.get_bind())


def downgrade() -> None:
    server_secrets.drop(bind=op.get_bind())
