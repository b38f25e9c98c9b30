"""Submissions, outbox and inbox.

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
        "submissions",
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("receipt_hash", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("received_by", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("respondent_type", sa.String(40), nullable=False),
        sa.Column("respondent_territory", sa.String(10), nullable=False),
        sa.Column("complainant_role", sa.String(20), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("administration_contacted", sa.Boolean(), nullable=False),
        sa.Column("court_case_pending", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("sealed_description", sa.Text(), nullable=False),
        sa.Column("sealed_respondent_name", sa.Text(), nullable=False),
        sa.Column("sealed_identity", sa.Text(), nullable=True),
    )
    create_outbox_and_inbox()


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
    op.drop_table("submissions")
