"""Intake's tables: submissions with their facts in clear and all else sealed; the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nowrongdoor.db import UTCDateTime, no_items
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = ["AuditEntry", "InboxEntry", "OutboxMessage", "Submission"]

# The sealed columns and the context each one is bound to, after the reference.
SEALED_FIELDS = {
    "sealed_description": "description",
    "sealed_respondent_name": "respondent",
    "sealed_identity": "identity",
    "sealed_contact": "contact",
}


class Submission(SQLModel, table=True):
    __tablename__ = "submissions"

    reference: str = Field(primary_key=True, max_length=16)
    receipt_hash: str = Field(max_length=200)
    channel: str = Field(max_length=20)
    received_by: str | None = Field(default=None, max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)
    category: str = Field(max_length=40)
    respondent_type: str = Field(max_length=40)
    respondent_territory: str = Field(max_length=10)
    complainant_role: str = Field(max_length=20)
    anonymous: bool
    administration_contacted: bool
    court_case_pending: bool
    language: str = Field(max_length=2)
    # The NGO that relayed it (`RelayingNgo`): an organisation, never the person.
    relayed_by: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    # Empty once erased at the complainant's request or purged after retention.
    sealed_description: str | None = None
    sealed_respondent_name: str | None = None
    sealed_identity: str | None = None
    # The addresses as the complainant changed them on the tracking API, apart from the
    # identity (an anonymous complainant stays anonymous); an empty object once removed, and
    # None while the addresses given with the complaint stand.
    sealed_contact: str | None = None
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erasure_reason: str | None = Field(default=None, max_length=20)
    # What the case's other services said about it, learned from their events: a routing
    # outcome (`RoutingOutcome`), and the case's status (`CaseStatus`, or intake's own
    # "resubmitted" while a new decision is due).
    competent_institution_ids: list[str] = Field(default_factory=no_items, sa_type=sa.JSON)
    involved_institution_ids: list[str] = Field(default_factory=no_items, sa_type=sa.JSON)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_outcome: str | None = Field(default=None, max_length=30)
    triage_institution_id: str | None = Field(default=None, max_length=64)
    case_status: str | None = Field(default=None, max_length=30)
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class AuditEntry(SQLModel, table=True):
    """One access to or change of personal data. The database refuses to update or delete it."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_client_id: str = Field(max_length=100)
    actor_kind: str = Field(max_length=20)
    actor_institution_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=30)
    reference: str | None = Field(default=None, max_length=16, index=True)
    detail: str | None = Field(default=None, max_length=500)
