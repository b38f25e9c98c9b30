"""Thin event handlers: decode the event, call the use case in the event's unit of work.

Once a handler's transaction commits, the dispatcher is woken if the handler owes something to
send at once; what waits for the merge window is found by the dispatcher's own rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.repository.deliveries import DeliveryRow
from notifications.service import contacts, owing
from notifications.settings import NotificationsSettings
from nowrongdoor.contracts.events import (
    CaseDeadlineBreached,
    CaseInvitationSent,
    CaseMessagePosted,
    CaseOpened,
    CaseStatusChanged,
    CaseTransferred,
    ComplaintContactChanged,
    ComplaintPersonalDataRemoved,
    ComplaintTriageRequired,
)
from nowrongdoor.crypto import Sealer
from nowrongdoor.envelope import Envelope
from nowrongdoor.inbox import TransactionalHandler
from nowrongdoor.runtime import Subscription

Clock = Callable[[], datetime]

OWING = (
    ComplaintTriageRequired,
    CaseOpened,
    CaseStatusChanged,
    CaseTransferred,
    CaseMessagePosted,
    CaseDeadlineBreached,
    CaseInvitationSent,
)
"""The events that only owe deliveries."""


def subscriptions(
    settings: NotificationsSettings, sealer: Sealer, clock: Clock, wake: Callable[[], None]
) -> list[Subscription]:
    """Every event notifications follows, each handled by its use case; `sealer` keeps
    complainants' addresses under notifications' own keys."""
    window = timedelta(seconds=settings.merge_window_seconds)
    transport = settings.transport_keys()

    def wake_after_commit(session: AsyncSession, owed: list[DeliveryRow], now: datetime) -> None:
        if owing.any_due(owed, now):
            orm_event.listen(session.sync_session, "after_commit", lambda _: wake(), once=True)

    async def on_owing(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, OWING)
        now = clock()
        owed = await owing.owe(
            session,
            event,
            event_id=envelope.id,
            reference=event.reference,
            language=getattr(event, "language", None),
            now=now,
            merge_window=window,
            read_for_batch=True,
        )
        wake_after_commit(session, owed, now)

    async def on_contact_changed(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintContactChanged)
        now = clock()
        await contacts.change_contact(session, event, transport=transport, sealer=sealer, now=now)
        owed = await owing.owe(
            session,
            event,
            event_id=envelope.id,
            reference=event.reference,
            language=event.language,
            now=now,
            merge_window=window,
        )
        wake_after_commit(session, owed, now)

    async def on_personal_data_removed(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintPersonalDataRemoved)
        await contacts.forget_complainant(session, event)

    handlers: list[tuple[str, TransactionalHandler]] = [
        (ComplaintContactChanged.subject, on_contact_changed),
        (ComplaintPersonalDataRemoved.subject, on_personal_data_removed),
    ]
    handlers += [(kind.subject, on_owing) for kind in OWING]
    return [Subscription(subject, handler) for subject, handler in handlers]
