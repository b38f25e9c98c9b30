"""Notifications' tables: deliveries owed and sent, the addresses they go to, webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nowrongdoor.db import UTCDateTime, no_entries, no_items
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = [
    "ComplainantContact",
    "Delivery",
    "InboxEntry",
    "InstitutionContact",
    "OutboxMessage",
    "WebhookAttempt",
    "WebhookEndpoint",
]


class Delivery(SQLModel, table=True):
    """One thing owed to one recipient on one channel; its id is what receivers de-duplicate on.

    `status`: `pending` (waiting for `next_attempt_at`), `sending` (claimed until
    `claimed_until`), `delivered`, `merged` (carried by the delivery `merged_into`), `failed`
    (will not be tried again: dead-lettered, replayable by operators).
    """

    __tablename__ = "deliveries"
    __table_args__ = (sa.UniqueConstraint("cause_event_id", "recipient", "channel"),)

    id: str = Field(primary_key=True, max_length=64)
    cause_event_id: str = Field(max_length=64)
    reference: str = Field(max_length=16, index=True)
    recipient: str = Field(
        max_length=64,
        description="An institution id, `complainant`, or a webhook endpoint id; never an address",
    )
    owner: str | None = Field(
        None, max_length=64, description="Who a webhook endpoint belongs to (institution or NGO)"
    )
    channel: str = Field(
        max_length=40, description="`email`, `sms`, `webhook`, `institution-inbox`, `tracking-page`"
    )
    kind: str = Field(
        default="case-opened",
        max_length=40,
        description="What the recipient is told: `case-opened`, `status-changed`…",
    )
    status: str = Field(max_length=20, index=True)
    language: str = Field("fr", max_length=8)
    details: dict[str, Any] = Field(
        default_factory=no_entries,
        sa_type=sa.JSON,
        description="What the message says besides its kind (status, names, dates); never personal",
    )
    attempts: int = 0
    next_attempt_at: datetime | None = Field(None, sa_type=UTCDateTime, index=True)
    claimed_until: datetime | None = Field(None, sa_type=UTCDateTime)
    last_error: str | None = Field(None, max_length=300)
    merged_into: str | None = Field(None, max_length=64)
    delivered_at: datetime | None = Field(None, sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(
        None, sa_type=UTCDateTime, description="When the institution acknowledged an inbox entry"
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class ComplainantContact(SQLModel, table=True):
    """The addresses a complainant gave for one case, sealed under notifications' own keys."""

    __tablename__ = "complainant_contacts"

    reference: str = Field(primary_key=True, max_length=16)
    email_sealed: str | None = None
    phone_sealed: str | None = None
    language: str = Field(max_length=8)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class InstitutionContact(SQLModel, table=True):
    """A functional address of an institution (a mailbox, not a person) and what it wants."""

    __tablename__ = "institution_contacts"

    id: str = Field(primary_key=True, max_length=64)
    institution_id: str = Field(max_length=64, index=True)
    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=32)
    language: str = Field(max_length=8)
    kinds: list[str] = Field(
        default_factory=no_items,
        sa_type=sa.JSON,
        description="Kinds it wants; empty means every one",
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookEndpoint(SQLModel, table=True):
    """Where an institution or an NGO wants events posted, signed with its own secret."""

    __tablename__ = "webhook_endpoints"

    id: str = Field(primary_key=True, max_length=64)
    owner_kind: str = Field(max_length=20, description="`institution` or `ngo`")
    owner_id: str = Field(max_length=64, index=True)
    url: str = Field(max_length=2000)
    description: str = Field("", max_length=200)
    event_types: list[str] = Field(default_factory=no_items, sa_type=sa.JSON)
    secret_sealed: str
    previous_secret_sealed: str | None = None
    previous_secret_until: datetime | None = Field(None, sa_type=UTCDateTime)
    enabled: bool = True
    disabled_reason: str | None = Field(None, max_length=300)
    consecutive_failures: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WebhookAttempt(SQLModel, table=True):
    """One try at posting one delivery to one endpoint: the endpoint's delivery log."""

    __tablename__ = "webhook_attempts"

    id: str = Field(primary_key=True, max_length=64)
    delivery_id: str = Field(max_length=64, index=True)
    endpoint_id: str = Field(max_length=64, index=True)
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    outcome: str = Field(max_length=20, description="`delivered` or `failed`")
    error: str | None = Field(None, max_length=300)
    duration_ms: int = 0
