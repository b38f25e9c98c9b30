"""The evidence NGOs send with their answers: described here, sealed in the blob store.

Revision ID: 2026_12_03_0002
Revises: 2026_12_03_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0002"
down_revision = "2026_12_03_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accreditation_attachments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("attachment_id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "accreditation_id",
            sa.String(64),
            sa.ForeignKey("accreditations.id"),
            nullable=False,
        ),
        sa.Column("criterion_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("metadata_removed", sa.Boolean(), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
    )
    for column in ("accreditation_id", "key_id"):
        op.create_index(
            f"ix_accreditation_attachments_{column}", "accreditation_attachments", [column]
        )


def downgrade() -> None:
    for column in ("key_id", "accreditation_id"):
        op.drop_index(
            f"ix_accreditation_attachments_{column}", table_name="accreditation_attachments"
        )
    op.drop_table("accreditation_attachments")
