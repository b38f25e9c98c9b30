"""Routing's tables: every decision, with the registry version it used and its reasons."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import JSON, Column, Field, SQLModel

from nowrongdoor.db import UTCDateTime
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = ["InboxEntry", "OutboxMessage", "RoutingDecision"]


class RoutingDecision(SQLModel, table=True):
    """A decision explainable from this record alone."""

    __tablename__ = "routing_decisions"

    id: str = Field(primary_key=True, max_length=64)
    reference: str = Field(max_length=16, unique=True)
    registry_version: str = Field(max_length=64)
    outcome: str = Field(max_length=30)
    facts: dict[str, object] = Field(sa_column=Column(JSON, nullable=False))
    competent: list[dict[str, object]] = Field(sa_column=Column(JSON, nullable=False))
    matched_rules: list[str] = Field(sa_column=Column(JSON, nullable=False))
    excluding_rules: list[str] = Field(sa_column=Column(JSON, nullable=False))
    advice: str | None = Field(default=None, max_length=64)
    triage_institution_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2000)
    decided_at: datetime = Field(sa_type=UTCDateTime)
