"""Intake's tables: each submission, its facts in clear, everything personal sealed."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from nowrongdoor.db import UTCDateTime
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = ["InboxEntry", "OutboxMessage", "Submission"]


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
    sealed_description: str
    sealed_respondent_name: str
    sealed_identity: str | None = None
