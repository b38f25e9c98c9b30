"""Case groups, parts, timeline, outbox and inbox.

Revision ID: 2026_11_28_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from nowrongdoor.migrations import create_outbox_and_inbox

revision = "2026_11_28_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_groups",
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("received_by", sa.String(64), nullable=True),
        sa.Column("lead_institution_id", sa.String(64), nullable=True),
        sa.Column("advice", sa.String(64), nullable=True),
        sa.Column("registry_version", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "case_parts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "reference", sa.String(16), sa.ForeignKey("case_groups.reference"), nullable=False
        ),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("institution_name", sa.String(300), nullable=False),
        sa.Column("office_id", sa.String(100), nullable=True),
        sa.Column("office_name", sa.String(300), nullable=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.UniqueConstraint("reference", "institution_id"),
    )
    op.create_index("ix_case_parts_reference", "case_parts", ["reference"])
    op.create_index("ix_case_parts_institution_id", "case_parts", ["institution_id"])
    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "reference", sa.String(16), sa.ForeignKey("case_groups.reference"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("summary", sa.String(1000), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_timeline_entries_reference", "timeline_entries", ["reference"])
    create_outbox_and_inbox()


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
    op.drop_table("timeline_entries")
    op.drop_table("case_parts")
    op.drop_table("case_groups")
