"""Thin event handlers: decode the event, call the use case in the event's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking.service import opening
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.bus import Envelope
from nowrongdoor.contracts.events import (
    ComplaintReceived,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.runtime import Subscription


def subscriptions(arrivals: Arrivals) -> list[Subscription]:
    """Case tracking's consumers; what they commit wakes the requests waiting for that case."""

    async def on_complaint_received(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintReceived)
        await opening.receive_complaint(session, event, envelope.id)
        arrivals.announce_after_commit(session, event.reference)

    async def on_complaint_routed(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintRouted)
        await opening.open_from_decision(session, event, envelope.id)
        arrivals.announce_after_commit(session, event.reference)

    async def on_triage_required(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintTriageRequired)
        await opening.hold_for_triage(session, event, envelope.id)
        arrivals.announce_after_commit(session, event.reference)

    return [
        Subscription(ComplaintReceived.subject, on_complaint_received),
        Subscription(ComplaintRouted.subject, on_complaint_routed),
        Subscription(ComplaintTriageRequired.subject, on_triage_required),
    ]
