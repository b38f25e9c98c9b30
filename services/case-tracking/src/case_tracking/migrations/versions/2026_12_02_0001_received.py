"""A case group exists from the moment its complaint is received, before any decision.

Revision ID: 2026_12_02_0001
Revises: 2026_11_28_0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_02_0001"
down_revision = "2026_11_28_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_groups") as table:
        table.alter_column("registry_version", existing_type=sa.String(64), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE case_groups SET registry_version = '' WHERE registry_version IS NULL")
    with op.batch_alter_table("case_groups") as table:
        table.alter_column("registry_version", existing_type=sa.String(64), nullable=False)
