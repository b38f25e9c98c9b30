"""Thin event handlers: decode the event, call the use case in the event's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking.service import forgetting, notices, opening, relays
from nowrongdoor import db
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.contracts.accreditation_events import (
    AccreditationGranted,
    AccreditationReinstated,
    AccreditationRenewed,
    AccreditationRevoked,
    AccreditationStepTaken,
    AccreditationSuspended,
)
from nowrongdoor.contracts.events import (
    ComplaintPersonalDataRemoved,
    ComplaintReceived,
    ComplaintRouted,
    ComplaintTriageRequired,
    NotificationDelivered,
    NotificationFailed,
)
from nowrongdoor.envelope import Envelope
from nowrongdoor.runtime import Subscription
from nowrongdoor.storage import BlobStore


def subscriptions(arrivals: Arrivals, store: BlobStore) -> list[Subscription]:
    """Case tracking's consumers; what they commit wakes the requests waiting for that case.

    `store` is where attachments are kept, for removing a case's along with its messages.
    """

    async def on_complaint_received(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintReceived)
        async with db.flushed_at_commit(session, event.reference):
            await opening.receive_complaint(session, event, envelope.id)
        arrivals.announce_after_commit(session, event.reference)

    async def on_complaint_routed(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintRouted)
        async with db.flushed_at_commit(session, event.reference):
            await opening.open_from_decision(session, event, envelope.id)
        arrivals.announce_after_commit(session, event.reference)

    async def on_triage_required(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintTriageRequired)
        await opening.hold_for_triage(session, event, envelope.id)
        arrivals.announce_after_commit(session, event.reference)

    async def on_personal_data_removed(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, ComplaintPersonalDataRemoved)
        await forgetting.forget_case(session, store, event)

    async def on_notice(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, NotificationDelivered | NotificationFailed)
        async with db.flushed_at_commit(session, event.reference):
            await notices.record_notice(session, event, envelope.id)

    async def on_accreditation_step(session: AsyncSession, envelope: Envelope) -> None:
        event = envelope.event()
        assert isinstance(event, AccreditationStepTaken)
        await relays.record_standing(session, event)

    # What the NGOs that relayed alerts may still do follows their accreditations' steps.
    standing = (
        AccreditationGranted,
        AccreditationSuspended,
        AccreditationReinstated,
        AccreditationRenewed,
        AccreditationRevoked,
    )
    return [
        *(Subscription(step.subject, on_accreditation_step) for step in standing),
        Subscription(ComplaintPersonalDataRemoved.subject, on_personal_data_removed),
        Subscription(NotificationDelivered.subject, on_notice),
        Subscription(NotificationFailed.subject, on_notice),
        Subscription(ComplaintReceived.subject, on_complaint_received),
        Subscription(ComplaintRouted.subject, on_complaint_routed),
        Subscription(ComplaintTriageRequired.subject, on_triage_required),
    ]
