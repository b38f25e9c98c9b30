"""The complainant's addresses as changed on the tracking API, sealed apart from the identity.

Revision ID: 2026_12_02_0005
Revises: 2026_11_28_0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_02_0005"
down_revision = "2026_11_28_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("sealed_contact", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("sealed_contact")
