"""Thin event handlers: decode the event, call the domain."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import domain
from nowrongdoor.bus import Envelope
from nowrongdoor.contracts.events import ComplaintRouted, ComplaintTriageRequired
from nowrongdoor.runtime import Subscription


async def on_complaint_routed(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, ComplaintRouted)
    await domain.open_from_decision(session, event, envelope.id)


async def on_triage_required(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, ComplaintTriageRequired)
    await domain.hold_for_triage(session, event, envelope.id)


SUBSCRIPTIONS = [
    Subscription(ComplaintRouted.subject, on_complaint_routed),
    Subscription(ComplaintTriageRequired.subject, on_triage_required),
]
