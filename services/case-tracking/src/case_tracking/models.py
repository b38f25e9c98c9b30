"""Case tracking's tables: a group per reference, a part per institution, timeline, messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.db import UTCDateTime
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = [
    "AuditEntry",
    "CaseAttachment",
    "CaseGroup",
    "CaseInvitation",
    "CaseMessage",
    "CasePart",
    "DeadlineBreach",
    "InboxEntry",
    "KnownInstitution",
    "OutboxMessage",
    "PartPause",
    "TimelineEntry",
]


class StatusText(sa.TypeDecorator[CaseStatus]):
    """A case status stored as its text and read back as a `CaseStatus`."""

    impl = sa.String(30)
    cache_ok = True

    def process_bind_param(self, value: CaseStatus | None, dialect: Dialect) -> str | None:
        return None if value is None else CaseStatus(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> CaseStatus | None:
        return None if value is None else CaseStatus(value)


class CaseGroup(SQLModel, table=True):
    """What the citizen follows under one reference, however many institutions take part.

    It exists from the moment the complaint is received; the decision fields stay empty until
    routing has decided. `version` is the entity tag every change compares and moves on.
    """

    __tablename__ = "case_groups"

    reference: str = Field(primary_key=True, max_length=16)
    status: CaseStatus = Field(sa_type=StatusText)
    version: int = Field(default=1)
    language: str = Field(max_length=2)
    received_by: str | None = Field(default=None, max_length=64)
    lead_institution_id: str | None = Field(default=None, max_length=64)
    triage_institution_id: str | None = Field(
        default=None, max_length=64, index=True, description="The desk asked to decide, if any"
    )
    advice: str | None = Field(default=None, max_length=64)
    explanation: str | None = Field(default=None, max_length=2000)
    registry_version: str | None = Field(
        default=None, max_length=64, description="The directory the decision used; none before it"
    )
    received_at: datetime = Field(sa_type=UTCDateTime)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # The complaint's facts from `complaint.received`: for the lists' filters, and for routing
    # to decide again after a transfer. None where the complaint's receipt was never heard.
    category: str | None = Field(default=None, max_length=40, index=True)
    respondent_type: str | None = Field(default=None, max_length=40)
    respondent_territory: str | None = Field(default=None, max_length=10, index=True)
    territory_path: list[str] | None = Field(
        default=None,
        sa_type=sa.JSON,
        description="The respondent's territory and those containing it, widest first, as "
        "routing's decision placed it; for the statistics at each level",
    )
    complainant_role: str | None = Field(default=None, max_length=20)
    anonymous: bool | None = None
    administration_contacted: bool | None = None
    court_case_pending: bool | None = None
    channel: str | None = Field(default=None, max_length=20)
    # The NGO that relayed the alert (`RelayingNgo`), an organisation; None for everyone else.
    relayed_by: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    relay_ngo_id: str | None = Field(default=None, max_length=64, index=True)
    relay_withdrawn_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When an institution withdrew the NGO"
    )


class CasePart(SQLModel, table=True):
    """One institution's share of a case, with its own status, clocks and promises."""

    __tablename__ = "case_parts"
    __table_args__ = (
        sa.UniqueConstraint("reference", "institution_id"),
        # An institution's list, newest first, a page at a time, however many cases it holds.
        sa.Index("ix_case_parts_institution_newest", "institution_id", "opened_at", "reference"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(foreign_key="case_groups.reference", index=True, max_length=16)
    institution_id: str = Field(max_length=64, index=True)
    institution_name: str = Field(max_length=300)
    office_id: str | None = Field(default=None, max_length=100)
    office_name: str | None = Field(default=None, max_length=300)
    role: str = Field(max_length=20)
    status: CaseStatus = Field(sa_type=StatusText)
    relay_accredited: bool | None = None
    paused_from: CaseStatus | None = Field(default=None, sa_type=StatusText)
    handler: str | None = Field(default=None, max_length=200)
    outcome: str | None = Field(default=None, max_length=20)
    sealed_outcome_reason: str | None = Field(default=None, sa_type=sa.Text)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    admissibility_decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    admissible: bool | None = None
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="Closed, transferred or withdrawn"
    )
    acknowledge_days: int | None = None
    admissibility_days: int | None = None
    resolve_days: int | None = None
    calendar: str | None = Field(default=None, max_length=2)
    closing_days: list[str] | None = Field(
        default=None, sa_type=sa.JSON, description="ISO dates it is closed besides holidays"
    )
    due_on: date | None = Field(
        default=None,
        index=True,
        description="The earliest promised day of a step not yet taken; none while paused",
    )


class PartPause(SQLModel, table=True):
    """A time a part waited for the complainant, its clocks stopped."""

    __tablename__ = "part_pauses"

    id: int | None = Field(default=None, primary_key=True)
    part_id: int = Field(foreign_key="case_parts.id", index=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TimelineEntry(SQLModel, table=True):
    """A step of the case: who, when and why. What happened is kept as a wording and its facts,
    read in each reader's language (`domain/timeline`); the reason a person gave is kept apart,
    sealed."""

    __tablename__ = "timeline_entries"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(foreign_key="case_groups.reference", index=True, max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=40)
    actor: str = Field(max_length=100)
    summary: str = Field(
        max_length=1000, description="In English as written; read as is where `wording` is None"
    )
    wording: str | None = Field(
        default=None, max_length=60, description="The key of the words that tell the step"
    )
    facts: dict[str, Any] | None = Field(
        default=None, sa_type=sa.JSON, description="What the wording names: names, codes"
    )
    event_id: str | None = Field(default=None, max_length=64)
    sealed_note: str | None = Field(default=None, sa_type=sa.Text)
    visible_to: str | None = Field(
        default=None,
        max_length=64,
        description="Everyone who reads the case when None; else only `complainant` or this "
        "institution (what was sent to whom), and the operator",
    )


class CaseMessage(SQLModel, table=True):
    """A message in a case, its body sealed; dated to the minute. Once the case's personal data
    is removed, the body holds `removed:<why>` instead (`service/forgetting.py`)."""

    __tablename__ = "case_messages"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(unique=True, max_length=40, description="Random: it tells no time")
    reference: str = Field(foreign_key="case_groups.reference", index=True, max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)
    author: str = Field(max_length=20)
    institution_id: str | None = Field(default=None, max_length=64)
    relayed_by_ngo: str | None = Field(
        default=None, max_length=64, description="The NGO that wrote for the complainant's side"
    )
    audience: str = Field(max_length=20)
    sealed_body: str = Field(sa_type=sa.Text)


class RelayStanding(SQLModel, table=True):
    """Where an accreditation that relayed alerts stands, as routing's last step announced it."""

    __tablename__ = "relay_standings"

    accreditation_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=20)
    expires_on: date | None = None
    at: datetime = Field(sa_type=UTCDateTime, description="When that step was taken")


class DeadlineBreach(SQLModel, table=True):
    """A promised day that passed with its step not taken; the row is the claim to say so once."""

    __tablename__ = "deadline_breaches"
    __table_args__ = (sa.UniqueConstraint("reference", "institution_id", "standard"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=16, index=True)
    institution_id: str = Field(max_length=64)
    standard: str = Field(max_length=20)
    due: date
    breached_at: datetime = Field(sa_type=UTCDateTime)


class KnownInstitution(SQLModel, table=True):
    """An institution as routing's decisions named it, in a language, with its promises.

    What case tracking knows of an institution a case is transferred to by name.
    """

    __tablename__ = "known_institutions"

    institution_id: str = Field(primary_key=True, max_length=64)
    language: str = Field(primary_key=True, max_length=2)
    name: str = Field(max_length=300)
    acknowledge_days: int | None = None
    admissibility_days: int | None = None
    resolve_days: int | None = None
    calendar: str | None = Field(default=None, max_length=2)
    closing_days: list[str] | None = Field(default=None, sa_type=sa.JSON)
    learned_at: datetime = Field(sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """One read of messages by institution staff. The database refuses to update or delete it."""

    __tablename__ = "case_audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_client_id: str = Field(max_length=100)
    actor_kind: str = Field(max_length=20)
    actor_institution_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=30)
    reference: str | None = Field(default=None, max_length=16, index=True)
    detail: str | None = Field(default=None, max_length=500)


class CaseInvitation(SQLModel, table=True):
    """An institution asked to take part in a joint case, and its answer; the reasons sealed."""

    __tablename__ = "case_invitations"

    id: str = Field(primary_key=True, max_length=40, description="`i-` and random hex")
    reference: str = Field(foreign_key="case_groups.reference", index=True, max_length=16)
    institution_id: str = Field(max_length=64, index=True, description="The institution asked")
    invited_by: str = Field(max_length=64)
    sealed_reason: str = Field(sa_type=sa.Text)
    status: str = Field(default="pending", max_length=10, description="pending, accepted, declined")
    at: datetime = Field(sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sealed_decline_reason: str | None = Field(default=None, sa_type=sa.Text)


class CaseAttachment(SQLModel, table=True):
    """A file sent with a message: sealed in the blob store under `storage_key`, described here.

    The name it was sent under is not kept; `name` is made from its position and its type.
    """

    __tablename__ = "case_attachments"

    id: int | None = Field(default=None, primary_key=True)
    attachment_id: str = Field(unique=True, max_length=40, description="Random: `a-<hex>`")
    reference: str = Field(foreign_key="case_groups.reference", index=True, max_length=16)
    message_id: str = Field(foreign_key="case_messages.message_id", index=True, max_length=40)
    name: str = Field(max_length=40)
    media_type: str = Field(max_length=100)
    size: int
    metadata_removed: bool
    storage_key: str = Field(max_length=200)
    key_id: str = Field(max_length=64, index=True, description="The key it is sealed under")


class PublishedMonth(SQLModel, table=True):
    """A month's statistics as first published, once the month had ended: every later reading
    serves these figures, so no late change ever gives a second version to compare."""

    __tablename__ = "statistics_published_months"

    month: str = Field(primary_key=True, max_length=7)
    figures: dict[str, Any] = Field(sa_type=sa.JSON)
    published_at: datetime = Field(sa_type=UTCDateTime)
