"""Why each delivery is owed: a case opened, or a complaint transferred out of a door.

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
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(40), nullable=False, server_default="case-opened")
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("kind")
