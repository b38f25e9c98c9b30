"""Thin event handlers: what routing and case-tracking tell intake about its complaints."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intake.service import decisions
from intake.service.decisions import DecisionWaiters
from nowrongdoor import db
from nowrongdoor.contracts.events import (
    CaseInvitationAnswered,
    CasePartLeft,
    CaseStatusChanged,
    CaseTransferred,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.envelope import Envelope
from nowrongdoor.runtime import Subscription


def subscriptions(waiters: DecisionWaiters) -> list[Subscription]:
    """Intake's consumers; a decision they commit wakes the requests in `waiters` waiting for it."""

    async def on_complaint_routed(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintRouted)
        async with db.flushed_at_commit(session, event.reference):
            await decisions.record_decision(session, waiters, event)

    async def on_triage_required(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintTriageRequired)
        async with db.flushed_at_commit(session, event.reference):
            await decisions.record_triage(session, waiters, event)

    async def on_case_status_changed(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, CaseStatusChanged)
        async with db.flushed_at_commit(session, event.reference):
            await decisions.record_status(session, event)

    async def on_case_transferred(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, CaseTransferred)
        async with db.flushed_at_commit(session, event.reference):
            await decisions.record_transfer(session, event)

    async def on_invitation_answered(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, CaseInvitationAnswered)
        async with db.flushed_at_commit(session, event.reference):
            await decisions.record_joining(session, event)

    async def on_part_left(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, CasePartLeft)
        async with db.flushed_at_commit(session, event.reference):
            await decisions.record_leaving(session, event)

    return [
        Subscription(ComplaintRouted.subject, on_complaint_routed),
        Subscription(ComplaintTriageRequired.subject, on_triage_required),
        Subscription(CaseStatusChanged.subject, on_case_status_changed),
        Subscription(CaseTransferred.subject, on_case_transferred),
        Subscription(CaseInvitationAnswered.subject, on_invitation_answered),
        Subscription(CasePartLeft.subject, on_part_left),
    ]
