"""Routing decisions, outbox and inbox.

Revision ID: 2026_11_28_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from nowrongdoor.migrations import create_outbox_and_inbox

revision = "2026_11_28_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("registry_version", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("competent", sa.JSON(), nullable=False),
        sa.Column("matched_rules", sa.JSON(), nullable=False),
        sa.Column("excluding_rules", sa.JSON(), nullable=False),
        sa.Column("advice", sa.String(64), nullable=True),
        sa.Column("triage_institution_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(2000), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_outbox_and_inbox()


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
    op.drop_table("routing_decisions")
