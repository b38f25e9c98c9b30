"""The versioned registry, decision history per reference, and triage rule proposals.

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

# The first migration left the reference's unique constraint unnamed; this names it on SQLite.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    op.create_table(
        "registry_versions",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
    )
    op.create_index("ix_registry_versions_version", "registry_versions", ["version"])
    op.create_table(
        "registry_current",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column(
            "number", sa.Integer(), sa.ForeignKey("registry_versions.number"), nullable=False
        ),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )

    if op.get_context().dialect.name == "sqlite":
        with op.batch_alter_table("routing_decisions", naming_convention=_NAMING) as batch:
            batch.drop_constraint("uq_routing_decisions_reference", type_="unique")
    else:
        op.drop_constraint("routing_decisions_reference_key", "routing_decisions", type_="unique")
    with op.batch_alter_table("routing_decisions") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("decided_by", sa.String(200), nullable=False, server_default="engine")
        )
        batch.add_column(sa.Column("candidates", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("note", sa.String(2000), nullable=True))
        batch.add_column(sa.Column("received_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(
            "uq_routing_decisions_reference_revision", ["reference", "revision"]
        )
    op.create_index("ix_routing_decisions_reference", "routing_decisions", ["reference"])

    op.create_table(
        "triage_rule_proposals",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("engine_reason", sa.String(40), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("lead_institution_id", sa.String(64), nullable=False),
        sa.Column("associated_institution_ids", sa.JSON(), nullable=False),
        sa.Column("suggested_rule", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("adopted_in_version", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_triage_rule_proposals_reference", "triage_rule_proposals", ["reference"])
    op.create_index(
        "ix_triage_rule_proposals_lead_institution_id",
        "triage_rule_proposals",
        ["lead_institution_id"],
    )


def downgrade() -> None:
    op.drop_table("triage_rule_proposals")
    op.drop_index("ix_routing_decisions_reference", "routing_decisions")
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_constraint("uq_routing_decisions_reference_revision", type_="unique")
        batch.drop_column("received_at")
        batch.drop_column("note")
        batch.drop_column("candidates")
        batch.drop_column("decided_by")
        batch.drop_column("revision")
        batch.create_unique_constraint("routing_decisions_reference_key", ["reference"])
    op.drop_table("registry_current")
    op.drop_table("registry_versions")
