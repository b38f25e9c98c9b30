"""Routing's latest outcome, its triage desk and the last resubmission: what a case awaits.

Revision ID: 2026_11_28_0003
Revises: 2026_11_28_0002
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_28_0003"
down_revision = "2026_11_28_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("decision_outcome", sa.String(30), nullable=True))
        batch.add_column(sa.Column("resubmitted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("triage_institution_id", sa.String(64), nullable=True))
    # What the statuses already learned say routing decided.
    op.execute(
        "UPDATE submissions SET decision_outcome = 'prerequisite-missing' "
        "WHERE case_status = 'inadmissible'"
    )
    op.execute(
        "UPDATE submissions SET decision_outcome = 'not-competent' "
        "WHERE decision_outcome IS NULL AND decided_at IS NOT NULL "
        "AND competent_institution_ids = '[]'"
    )
    op.execute(
        "UPDATE submissions SET decision_outcome = 'competent' "
        "WHERE decision_outcome IS NULL AND decided_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("triage_institution_id")
        batch.drop_column("resubmitted_at")
        batch.drop_column("decision_outcome")
