"""Notifications' tables: each delivery owed to an institution or a complainant."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from nowrongdoor.db import UTCDateTime
from nowrongdoor.inbox import InboxEntry
from nowrongdoor.outbox import OutboxMessage

__all__ = ["Delivery", "InboxEntry", "OutboxMessage"]


class Delivery(SQLModel, table=True):
    """One notification owed; its id is what receivers de-duplicate on."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.UniqueConstraint("cause_event_id", "recipient", "channel"),)

    id: str = Field(primary_key=True, max_length=64)
    cause_event_id: str = Field(max_length=64)
    reference: str = Field(max_length=16, index=True)
    recipient: str = Field(max_length=64, description="An institution id, or `complainant`")
    channel: str = Field(max_length=40)
    kind: str = Field(
        default="case-opened",
        max_length=40,
        description="Why it is owed: `case-opened`, or `transferred-out` to the door it left",
    )
    status: str = Field(max_length=20)
    created_at: datetime = Field(sa_type=UTCDateTime)
