"""The NGO that relayed an alert, whether each institution taking part accredits it, the
messages the NGO wrote for the complainant's side, and where its accreditation stands.

Revision ID: 2026_12_03_0002
Revises: 2026_12_03_0001
Create Date: 2026-12-03
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "2026_12_03_0002"
down_revision = "2026_12_03_0001"
branch_labels = None
depends_on = None

COLUMNS: dict[str, list[sa.Column[Any]]] = {
    "case_groups": [
        sa.Column("relayed_by", sa.JSON(), nullable=True),
        sa.Column("relay_ngo_id", sa.String(64), nullable=True),
        sa.Column("relay_withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    ],
    "case_parts": [sa.Column("relay_accredited", sa.Boolean(), nullable=True)],
    "case_messages": [sa.Column("relayed_by_ngo", sa.String(64), nullable=True)],
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, column)
    op.create_index("ix_case_groups_relay_ngo_id", "case_groups", ["relay_ngo_id"])
    op.create_table(
        "relay_standings",
        sa.Column("accreditation_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("relay_standings")
    op.drop_index("ix_case_groups_relay_ngo_id", table_name="case_groups")
    for table, columns in COLUMNS.items():
        names = [column.name for column in reversed(columns)]
        # In place: rebuilding a table in SQLite would break the rows pointing at it.
        if op.get_bind().dialect.name == "sqlite":
            for name in names:
                op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
            continue
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.drop_column(name)
