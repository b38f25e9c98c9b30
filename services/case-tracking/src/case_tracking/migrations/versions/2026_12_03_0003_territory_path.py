"""Where the respondent's territory lies in the hierarchy, widest first, for the statistics.

Revision ID: 2026_12_03_0003
Revises: 2026_12_03_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0003"
down_revision = "2026_12_03_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_groups", sa.Column("territory_path", sa.JSON(), nullable=True))


def downgrade() -> None:
    # In place: rebuilding a table in SQLite would break the rows pointing at it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE case_groups DROP COLUMN territory_path")
        return
    op.drop_column("case_groups", "territory_path")
