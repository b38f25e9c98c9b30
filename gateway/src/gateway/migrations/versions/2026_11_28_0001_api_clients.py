"""API clients and their append-only audit trail.

Revision ID: 2026_11_28_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_28_0001"
down_revision = None
branch_labels = None
depends_on = None

_POSTGRES_GUARD = """
CREATE FUNCTION client_audit_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'client_audit is append-only';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "api_clients",
        sa.Column("client_id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("institution_id", sa.String(64), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scopes", sa.String(500), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("previous_secret_hash", sa.String(200), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "client_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "client_id",
            sa.String(40),
            sa.ForeignKey("api_clients.client_id"),
            nullable=False,
        ),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("detail", sa.String(200), nullable=True),
    )
    op.create_index("ix_client_audit_client_id", "client_audit", ["client_id", "at"])
    # The database itself refuses to rewrite history, whatever code runs against it.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_GUARD)
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER client_audit_no_{event.lower()} BEFORE {event} ON client_audit "
                "FOR EACH ROW EXECUTE FUNCTION client_audit_is_append_only()"
            )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER client_audit_no_{event.lower()} BEFORE {event} ON client_audit "
                "BEGIN SELECT RAISE(ABORT, 'client_audit is append-only'); END"
            )


def downgrade() -> None:
    op.drop_table("client_audit")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION client_audit_is_append_only()")
    op.drop_table("api_clients")
