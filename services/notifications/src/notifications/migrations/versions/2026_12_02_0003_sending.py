"""Deliveries that really go out: attempts and outcomes, addresses, webhook endpoints and logs.

Revision ID: 2026_12_02_0003
Revises: 2026_11_28_0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_02_0003"
down_revision = "2026_11_28_0002"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="fr"))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", _WHEN, nullable=True))
        batch.add_column(sa.Column("claimed_until", _WHEN, nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(300), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.String(64), nullable=True))
        batch.add_column(sa.Column("delivered_at", _WHEN, nullable=True))
        batch.add_column(sa.Column("acknowledged_at", _WHEN, nullable=True))
        batch.create_index("ix_deliveries_status", ["status"])
        batch.create_index("ix_deliveries_next_attempt_at", ["next_attempt_at"])
    # What was only recorded before is what an inbox or a tracking page already shows.
    op.execute(
        "UPDATE deliveries SET status = 'delivered', delivered_at = created_at "
        "WHERE status = 'recorded'"
    )
    op.create_table(
        "complainant_contacts",
        sa.Column("reference", sa.String(16), primary_key=True),
        sa.Column("email_sealed", sa.String(), nullable=True),
        sa.Column("phone_sealed", sa.String(), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
    )
    op.create_table(
        "institution_contacts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("institution_id", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
    )
    op.create_index(
        "ix_institution_contacts_institution_id", "institution_contacts", ["institution_id"]
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner_kind", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret_sealed", sa.String(), nullable=False),
        sa.Column("previous_secret_sealed", sa.String(), nullable=True),
        sa.Column("previous_secret_until", _WHEN, nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(300), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
    )
    op.create_index("ix_webhook_endpoints_owner_id", "webhook_endpoints", ["owner_id"])
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("delivery_id", sa.String(64), nullable=False),
        sa.Column("endpoint_id", sa.String(64), nullable=False),
        sa.Column("attempted_at", _WHEN, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error", sa.String(300), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
    )
    op.create_index("ix_webhook_attempts_delivery_id", "webhook_attempts", ["delivery_id"])
    op.create_index("ix_webhook_attempts_endpoint_id", "webhook_attempts", ["endpoint_id"])


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_endpoints")
    op.drop_table("institution_contacts")
    op.drop_table("complainant_contacts")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_next_attempt_at")
        batch.drop_index("ix_deliveries_status")
        for column in (
            "acknowledged_at",
            "delivered_at",
            "merged_into",
            "last_error",
            "claimed_until",
            "next_attempt_at",
            "attempts",
            "details",
            "language",
            "owner",
        ):
            batch.drop_column(column)
