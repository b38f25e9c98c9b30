"""Thin event handlers: decode the event, call the use case in the event's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from notifications import service
from nowrongdoor.bus import Envelope
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.runtime import Subscription


async def on_case_opened(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, CaseOpened)
    service.record_case_opened(session, event, envelope.id)


SUBSCRIPTIONS = [Subscription(CaseOpened.subject, on_case_opened)]
