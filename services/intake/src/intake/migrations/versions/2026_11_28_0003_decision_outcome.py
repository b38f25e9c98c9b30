"""Routing's latest outcome and its triage desk: what a case awaits.

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
        batch.add_column(sa.Column("triage_institution_id", sa.String(64), nullable=True))
    # What intake already learned says what routing decided.
    submissions = sa.table(
        "submissions",
        sa.column("reference", sa.String),
        sa.column("case_status", sa.String),
        sa.column("decided_at", sa.DateTime),
        sa.column("competent_institution_ids", sa.JSON),
        sa.column("decision_outcome", sa.String),
    )
    connection = op.get_bind()
    decided = connection.execute(
        sa.select(
            submissions.c.reference,
            submissions.c.case_status,
            submissions.c.competent_institution_ids,
        ).where(submissions.c.decided_at.is_not(None))
    ).all()
    for reference, case_status, competent in decided:
        if case_status == "inadmissible":
            outcome = "prerequisite-missing"
        else:
            outcome = "competent" if competent else "not-competent"
        connection.execute(
            submissions.update()
            .where(submissions.c.reference == reference)
            .values(decision_outcome=outcome)
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("triage_institution_id")
        batch.drop_column("decision_outcome")
