"""Thin event handlers: decode the event, call the service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from nowrongdoor.bus import Envelope
from nowrongdoor.contracts.events import ComplaintReceived, ComplaintResubmitted
from nowrongdoor.inbox import TransactionalHandler
from nowrongdoor.runtime import Subscription
from routing import service
from routing.registry import RegistryStore


def subscriptions(store: RegistryStore) -> list[Subscription]:
    def on_complaint_received() -> TransactionalHandler:
        async def handle(session: AsyncSession, envelope: Envelope) -> None:
            event = envelope.event()
            assert isinstance(event, ComplaintReceived)
            # Read in the decision's own transaction, so the version it records is the one used.
            service.route_complaint(session, event, await store.current(session))

        return handle

    async def on_complaint_resubmitted(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintResubmitted)
        await service.reroute_complaint(session, event, await store.current(session))

    return [
        Subscription(ComplaintReceived.subject, on_complaint_received()),
        Subscription(ComplaintResubmitted.subject, on_complaint_resubmitted),
    ]
