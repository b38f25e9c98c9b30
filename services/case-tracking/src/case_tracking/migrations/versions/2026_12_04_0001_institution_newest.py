"""An index that walks an institution's parts newest first, so a page of its list reads a page
of rows instead of sorting all of them.

Revision ID: 2026_12_04_0001
Revises: 2026_12_03_0003
Create Date: 2026-12-04
"""

from alembic import op

revision = "2026_12_04_0001"
down_revision = "2026_12_03_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_case_parts_institution_newest",
        "case_parts",
        ["institution_id", "opened_at", "reference"],
    )


def downgrade() -> None:
    op.drop_index("ix_case_parts_institution_newest", table_name="case_parts")
