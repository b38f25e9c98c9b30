"""Routing's tables: the versioned directory, decisions, triage proposals, accreditations and
the evidence sent with them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from nowrongdoor.db import UTCDateTime, no_items
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = [
    "Accreditation",
    "AccreditationAttachment",
    "AccreditationCriteriaRecord",
    "AccreditationStepRecord",
    "CurrentRegistry",
    "InboxEntry",
    "OutboxMessage",
    "RegistryVersion",
    "RoutingDecision",
    "TriageRuleProposal",
]


class RegistryVersion(SQLModel, table=True):
    """One version of the directory document, numbered in the order they were made."""

    __tablename__ = "registry_versions"

    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: str = Field(max_length=64, index=True, description="The content hash decisions record")
    document: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200, description="The API client that made the change")
    summary: str = Field(max_length=500)


class CurrentRegistry(SQLModel, table=True):
    """The one row naming the version routing decides with."""

    __tablename__ = "registry_current"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    number: int = Field(foreign_key="registry_versions.number")
    version: str = Field(max_length=64)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class RoutingDecision(SQLModel, table=True):
    """A decision explainable from this record alone; the highest revision is the current one."""

    __tablename__ = "routing_decisions"
    __table_args__ = (
        sa.UniqueConstraint(
            "reference", "revision", name="uq_routing_decisions_reference_revision"
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    reference: str = Field(max_length=16, index=True)
    revision: int = Field(default=1, description="1 for the engine, then one per later decision")
    registry_version: str = Field(max_length=64)
    outcome: str = Field(max_length=30)
    facts: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    competent: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))
    matched_rules: list[str] = Field(sa_column=Column(JSON, nullable=False))
    excluding_rules: list[str] = Field(sa_column=Column(JSON, nullable=False))
    candidates: list[str] = Field(default_factory=no_items, sa_column=Column(JSON, nullable=True))
    advice: str | None = Field(default=None, max_length=64)
    triage_institution_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
    decided_by: str = Field(default="engine", max_length=200)
    note: str | None = Field(default=None, max_length=2000, description="A triage desk's why")
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime = Field(sa_type=UTCDateTime)


class TriageRuleProposal(SQLModel, table=True):
    """A triage decision written as the rule that would have made it; adopted only explicitly."""

    __tablename__ = "triage_rule_proposals"

    id: str = Field(primary_key=True, max_length=64)
    reference: str = Field(max_length=16, index=True)
    decision_id: str = Field(max_length=64)
    engine_reason: str = Field(max_length=40)
    candidates: list[str] = Field(sa_column=Column(JSON, nullable=False))
    facts: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    lead_institution_id: str = Field(max_length=64, index=True)
    associated_institution_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    suggested_rule: dict[str, object] | None = Field(default=None, sa_column=Column(JSON))
    status: str = Field(default="proposed", max_length=20)
    adopted_in_version: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)


class AccreditationCriteriaRecord(SQLModel, table=True):
    """The criteria one institution publishes for accrediting NGOs; replaced as a whole."""

    __tablename__ = "accreditation_criteria"

    institution_id: str = Field(primary_key=True, max_length=64)
    criteria: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(max_length=200)


class Accreditation(SQLModel, table=True):
    """An NGO's accreditation with one institution, from its application on.

    `status` is the one stored; whether a granted one has expired is read from `expires_on`.
    `pending_key` is set only while the application awaits a decision, so the database itself
    refuses a second pending application by the same NGO to the same institution.
    """

    __tablename__ = "accreditations"

    id: str = Field(primary_key=True, max_length=64)
    ngo_id: str = Field(max_length=64, index=True)
    ngo_name: str = Field(max_length=200)
    institution_id: str = Field(max_length=64, index=True)
    status: str = Field(max_length=20)
    answers: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))
    categories: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    territories: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    since: date | None = None
    expires_on: date | None = None
    applied_at: datetime = Field(sa_type=UTCDateTime)
    revision: int = Field(default=1, description="Moved on by every step, so racing steps lose")
    pending_key: str | None = Field(default=None, max_length=130, unique=True)


class AccreditationStepRecord(SQLModel, table=True):
    """One step of an accreditation's trail, appended and never changed."""

    __tablename__ = "accreditation_steps"

    id: int | None = Field(default=None, primary_key=True)
    accreditation_id: str = Field(foreign_key="accreditations.id", max_length=64, index=True)
    action: str = Field(max_length=20)
    status: str = Field(max_length=20)
    by_client_id: str = Field(max_length=200)
    by_kind: str = Field(max_length=20)
    at: datetime = Field(sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=2000)
    details: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))


class AccreditationAttachment(SQLModel, table=True):
    """A file an NGO sent with one answer of its application: sealed in the blob store under
    `storage_key`, described here.

    The name it was sent under is not kept; `name` is made from the criterion, the file's
    position in the answer and its type.
    """

    __tablename__ = "accreditation_attachments"

    id: int | None = Field(default=None, primary_key=True)
    attachment_id: str = Field(unique=True, max_length=40, description="Random: `a-<hex>`")
    accreditation_id: str = Field(foreign_key="accreditations.id", max_length=64, index=True)
    criterion_id: str = Field(max_length=64)
    name: str = Field(max_length=80)
    media_type: str = Field(max_length=100)
    size: int
    metadata_removed: bool
    storage_key: str = Field(max_length=200)
    key_id: str = Field(max_length=64, index=True, description="The key it is sealed under")
