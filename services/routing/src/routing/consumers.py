"""Thin event handlers: decode the event, call the service in the event's own transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor import db
from nowrongdoor.contracts.events import CaseTransferred, ComplaintReceived, ComplaintResubmitted
from nowrongdoor.envelope import Envelope
from nowrongdoor.runtime import Subscription
from routing import service
from routing.service.decisions import learn_transfer


def subscriptions(store: service.RegistryStore) -> list[Subscription]:
    async def on_complaint_received(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintReceived)
        # The registry and the accreditations it reads are not what a decision writes.
        async with db.flushed_at_commit(session, event.reference):
            await service.route_complaint(session, store, event)

    async def on_complaint_resubmitted(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintResubmitted)
        await service.reroute_complaint(session, store, event)

    async def on_case_transferred(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, CaseTransferred)
        await learn_transfer(session, store, event)

    return [
        Subscription(ComplaintReceived.subject, on_complaint_received),
        Subscription(ComplaintResubmitted.subject, on_complaint_resubmitted),
        Subscription(CaseTransferred.subject, on_case_transferred),
    ]
