"""Case tracking's tables: one group per reference, a part per institution, a timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.db import UTCDateTime
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = ["CaseGroup", "CasePart", "InboxEntry", "OutboxMessage", "TimelineEntry"]


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
    routing has decided.
    """

    __tablename__ = "case_groups"

    reference: str = Field(primary_key=True, max_length=16)
    status: CaseStatus = Field(sa_type=StatusText)
    language: str = Field(max_length=2)
    received_by: str | None = Field(default=None, max_length=64)
    lead_institution_id: str | None = Field(default=None, max_length=64)
    advice: str | None = Field(default=None, max_length=64)
    explanation: str | None = Field(default=None, max_length=2000)
    registry_version: str | None = Field(
        default=None, max_length=64, description="The directory the decision used; none before it"
    )
    received_at: datetime = Field(sa_type=UTCDateTime)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CasePart(SQLModel, table=True):
    """One institution's share of a case, with its own status."""

    __tablename__ = "case_parts"
    __table_args__ = (sa.UniqueConstraint("reference", "institution_id"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(foreign_key="case_groups.reference", index=True, max_length=16)
    institution_id: str = Field(max_length=64, index=True)
    institution_name: str = Field(max_length=300)
    office_id: str | None = Field(default=None, max_length=100)
    office_name: str | None = Field(default=None, max_length=300)
    role: str = Field(max_length=20)
    status: CaseStatus = Field(sa_type=StatusText)


class TimelineEntry(SQLModel, table=True):
    """A step of the case: who, when and why. Written by the platform, never free text."""

    __tablename__ = "timeline_entries"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(foreign_key="case_groups.reference", index=True, max_length=16)
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=40)
    actor: str = Field(max_length=100)
    summary: str = Field(max_length=1000)
    event_id: str | None = Field(default=None, max_length=64)
