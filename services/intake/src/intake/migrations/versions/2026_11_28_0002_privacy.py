"""Erasure and retention on submissions, and the append-only audit log.

Revision ID: 2026_11_28_0002
Revises: 2026_11_28_0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from nowrongdoor.migrations import create_audit_log, drop_audit_log

revision = "2026_11_28_0002"
down_revision = "2026_11_28_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.alter_column("sealed_description", existing_type=sa.Text(), nullable=True)
        batch.alter_column("sealed_respondent_name", existing_type=sa.Text(), nullable=True)
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("erasure_reason", sa.String(20), nullable=True))
        batch.add_column(
            sa.Column(
                "competent_institution_ids",
                sa.JSON(),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
        batch.add_column(
            sa.Column(
                "involved_institution_ids",
                sa.JSON(),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("case_status", sa.String(30), nullable=True))
        batch.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_submissions_closed_at", ["closed_at"])

    create_audit_log("audit_log")


def downgrade() -> None:
    drop_audit_log("audit_log")
    # The older schema cannot hold an erased row: an empty string stands in for what was erased.
    for name in ("sealed_description", "sealed_respondent_name"):
        sealed = sa.column(name, sa.Text())
        op.execute(
            sa.table("submissions", sealed).update().where(sealed.is_(None)).values({name: ""})
        )
    with op.batch_alter_table("submissions") as batch:
        batch.drop_index("ix_submissions_closed_at")
        for column in (
            "closed_at",
            "status_changed_at",
            "case_status",
            "decided_at",
            "involved_institution_ids",
            "competent_institution_ids",
            "erasure_reason",
            "erased_at",
        ):
            batch.drop_column(column)
        batch.alter_column("sealed_description", existing_type=sa.Text(), nullable=False)
        batch.alter_column("sealed_respondent_name", existing_type=sa.Text(), nullable=False)
