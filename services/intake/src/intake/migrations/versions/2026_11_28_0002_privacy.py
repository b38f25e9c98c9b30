"""Erasure and retention on submissions, and the append-only audit log.

Revision ID: 2026_11_28_0002
Revises: 2026_11_28_0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_28_0002"
down_revision = "2026_11_28_0001"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_log is append-only"


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

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_client_id", sa.String(100), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_institution_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("reference", sa.String(16), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_reference", "audit_log", ["reference"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege';
            END;
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()"
        )
    else:
        for statement in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{statement.lower()} BEFORE {statement} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    op.drop_table("audit_log")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_refuse_change()")
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
