"""The NGO that relayed an alert, kept with the submission and told to routing.

Revision ID: 2026_12_03_0001
Revises: 2026_12_02_0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0001"
down_revision = "2026_12_02_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("relayed_by", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("relayed_by")
