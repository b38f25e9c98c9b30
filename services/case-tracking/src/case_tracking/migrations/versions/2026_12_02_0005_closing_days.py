"""The days an institution is closed besides its country's public holidays, kept with its parts.

Revision ID: 2026_12_02_0005
Revises: 2026_12_02_0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_02_0005"
down_revision = "2026_12_02_0004"
branch_labels = None
depends_on = None

TABLES = ("case_parts", "known_institutions")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.add_column(sa.Column("closing_days", sa.JSON(), nullable=True))


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.drop_column("closing_days")
