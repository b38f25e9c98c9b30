"""Accreditations of NGOs: each institution's criteria, the accreditations, their trail.

Revision ID: 2026_12_03_0001
Revises: 2026_11_28_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0001"
down_revision = "2026_11_28_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accreditation_criteria",
        sa.Column("institution_id", sa.String(64), primary_key=True),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "accreditations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("ngo_id", sa.String(64), nullable=False),
        sa.Column("ngo_name", sa.String(200), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("territories", sa.JSON(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("pending_key", sa.String(130), nullable=True),
        sa.UniqueConstraint("pending_key", name="uq_accreditations_pending_key"),
    )
    op.create_index("ix_accreditations_ngo_id", "accreditations", ["ngo_id"])
    op.create_index("ix_accreditations_institution_id", "accreditations", ["institution_id"])
    op.create_table(
        "accreditation_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "accreditation_id",
            sa.String(64),
            sa.ForeignKey("accreditations.id"),
            nullable=False,
        ),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("by_client_id", sa.String(200), nullable=False),
        sa.Column("by_kind", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_accreditation_steps_accreditation_id", "accreditation_steps", ["accreditation_id"]
    )


def downgrade() -> None:
    op.drop_table("accreditation_steps")
    op.drop_table("accreditations")
    op.drop_table("accreditation_criteria")
