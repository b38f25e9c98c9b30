"""Timeline entries seen by one party only: what was sent to the complainant or an institution.

Revision ID: 2026_12_02_0006
Revises: 2026_12_02_0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_02_0006"
down_revision = "2026_12_02_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch:
        batch.add_column(sa.Column("visible_to", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("timeline_entries") as batch:
        batch.drop_column("visible_to")
