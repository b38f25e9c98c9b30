"""Thin event handlers: what intake learns about the case it took in."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intake import privacy
from nowrongdoor.bus import Envelope
from nowrongdoor.contracts.events import (
    CaseStatusChanged,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.runtime import Subscription


async def on_complaint_routed(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, ComplaintRouted)
    await privacy.record_decision(session, event)


async def on_triage_required(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, ComplaintTriageRequired)
    await privacy.record_triage(session, event)


async def on_case_status_changed(session: AsyncSession, envelope: Envelope) -> None:
    event = envelope.event()
    assert isinstance(event, CaseStatusChanged)
    await privacy.record_status(session, event)


SUBSCRIPTIONS = [
    Subscription(ComplaintRouted.subject, on_complaint_routed),
    Subscription(ComplaintTriageRequired.subject, on_triage_required),
    Subscription(CaseStatusChanged.subject, on_case_status_changed),
]
