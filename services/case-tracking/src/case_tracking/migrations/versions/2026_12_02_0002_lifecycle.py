"""The lifecycle: versions, facts, part clocks and promises, pauses, notes, messages, breaches.

Revision ID: 2026_12_02_0002
Revises: 2026_12_02_0001
Create Date: 2026-12-02
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from nowrongdoor.migrations import create_audit_log, drop_audit_log

revision = "2026_12_02_0002"
down_revision = "2026_12_02_0001"
branch_labels = None
depends_on = None


def _group_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("triage_institution_id", sa.String(64), nullable=True),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("respondent_type", sa.String(40), nullable=True),
        sa.Column("respondent_territory", sa.String(10), nullable=True),
        sa.Column("complainant_role", sa.String(20), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=True),
        sa.Column("administration_contacted", sa.Boolean(), nullable=True),
        sa.Column("court_case_pending", sa.Boolean(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=True),
    ]


_GROUP_INDEXES = ("triage_institution_id", "category", "respondent_territory")


def _part_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("paused_from", sa.String(30), nullable=True),
        sa.Column("handler", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("sealed_outcome_reason", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admissibility_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admissible", sa.Boolean(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_days", sa.Integer(), nullable=True),
        sa.Column("admissibility_days", sa.Integer(), nullable=True),
        sa.Column("resolve_days", sa.Integer(), nullable=True),
        sa.Column("calendar", sa.String(2), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
    ]


def upgrade() -> None:
    # Added in place: rebuilding the groups in SQLite would break the rows pointing at them.
    for column in _group_columns():
        op.add_column("case_groups", column)
    for name in _GROUP_INDEXES:
        op.create_index(f"ix_case_groups_{name}", "case_groups", [name])
    with op.batch_alter_table("case_parts") as table:
        for column in _part_columns():
            table.add_column(column)
    # A part opened before its clocks were kept counts from the day its case opened.
    op.execute(
        "UPDATE case_parts SET opened_at = (SELECT opened_at FROM case_groups "
        "WHERE case_groups.reference = case_parts.reference)"
    )
    with op.batch_alter_table("case_parts") as table:
        table.alter_column("opened_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        table.create_index("ix_case_parts_due_on", ["due_on"])
    with op.batch_alter_table("timeline_entries") as table:
        table.add_column(sa.Column("sealed_note", sa.Text(), nullable=True))

    op.create_table(
        "part_pauses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("part_id", sa.Integer(), sa.ForeignKey("case_parts.id"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_part_pauses_part_id", "part_pauses", ["part_id"])
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(40), nullable=False, unique=True),
        sa.Column(
            "reference", sa.String(16), sa.ForeignKey("case_groups.reference"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(20), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=True),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("sealed_body", sa.Text(), nullable=False),
    )
    op.create_index("ix_case_messages_reference", "case_messages", ["reference"])
    op.create_table(
        "deadline_breaches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("standard", sa.String(20), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reference", "institution_id", "standard"),
    )
    op.create_index("ix_deadline_breaches_reference", "deadline_breaches", ["reference"])
    op.create_table(
        "known_institutions",
        sa.Column("institution_id", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(2), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("acknowledge_days", sa.Integer(), nullable=True),
        sa.Column("admissibility_days", sa.Integer(), nullable=True),
        sa.Column("resolve_days", sa.Integer(), nullable=True),
        sa.Column("calendar", sa.String(2), nullable=True),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_audit_log("case_audit_log")


def downgrade() -> None:
    drop_audit_log("case_audit_log")
    op.drop_table("known_institutions")
    op.drop_table("deadline_breaches")
    op.drop_table("case_messages")
    op.drop_table("part_pauses")
    _drop_columns("timeline_entries", ["sealed_note"])
    op.drop_index("ix_case_parts_due_on", table_name="case_parts")
    _drop_columns("case_parts", [column.name for column in reversed(_part_columns())])
    for name in _GROUP_INDEXES:
        op.drop_index(f"ix_case_groups_{name}", table_name="case_groups")
    _drop_columns("case_groups", [column.name for column in reversed(_group_columns())])


def _drop_columns(table: str, names: list[str]) -> None:
    """Drop columns in place: rebuilding a table in SQLite would break the rows pointing at it
    (SQLite 3.35 and later drops a column itself)."""
    if op.get_bind().dialect.name == "sqlite":
        for name in names:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
        return
    with op.batch_alter_table(table) as batch:
        for name in names:
            batch.drop_column(name)
