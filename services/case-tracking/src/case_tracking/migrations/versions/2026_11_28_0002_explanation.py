"""The decision in plain words, for the complainant.

Revision ID: 2026_11_28_0002
Revises: 2026_11_28_0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_28_0002"
down_revision = "2026_11_28_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_groups") as table:
        table.add_column(sa.Column("explanation", sa.String(2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_groups") as table:
        table.drop_column("explanation")
