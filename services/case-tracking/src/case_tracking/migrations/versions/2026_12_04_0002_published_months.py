"""The statistics of each month as first published after it ended, kept as they were.

Revision ID: 2026_12_04_0002
Revises: 2026_12_04_0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_04_0002"
down_revision = "2026_12_04_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statistics_published_months",
        sa.Column("month", sa.String(length=7), primary_key=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("statistics_published_months")
