"""Invitations to take part in a joint case, and their answers.

Revision ID: 2026_12_02_0004
Revises: 2026_12_02_0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_02_0004"
down_revision = "2026_12_02_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_invitations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "reference", sa.String(16), sa.ForeignKey("case_groups.reference"), nullable=False
        ),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("invited_by", sa.String(64), nullable=False),
        sa.Column("sealed_reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sealed_decline_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_case_invitations_reference", "case_invitations", ["reference"])
    op.create_index("ix_case_invitations_institution_id", "case_invitations", ["institution_id"])


def downgrade() -> None:
    op.drop_index("ix_case_invitations_institution_id", table_name="case_invitations")
    op.drop_index("ix_case_invitations_reference", table_name="case_invitations")
    op.drop_table("case_invitations")
