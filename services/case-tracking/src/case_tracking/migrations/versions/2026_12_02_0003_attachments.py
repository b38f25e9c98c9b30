"""Attachments: the files sent with messages, described here and sealed in the blob store.

Revision ID: 2026_12_02_0003
Revises: 2026_12_02_0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_02_0003"
down_revision = "2026_12_02_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("attachment_id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "reference", sa.String(16), sa.ForeignKey("case_groups.reference"), nullable=False
        ),
        sa.Column(
            "message_id",
            sa.String(40),
            sa.ForeignKey("case_messages.message_id"),
            nullable=False,
        ),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("metadata_removed", sa.Boolean(), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
    )
    for column in ("reference", "message_id", "key_id"):
        op.create_index(f"ix_case_attachments_{column}", "case_attachments", [column])


def downgrade() -> None:
    for column in ("key_id", "message_id", "reference"):
        op.drop_index(f"ix_case_attachments_{column}", table_name="case_attachments")
    op.drop_table("case_attachments")
