"""What notifications sent about a case, on its timeline: to "you" or to an institution by name.

An email or a text message to the complainant shows to the complainant; one to an institution's
mailbox shows to that institution, named as its part names it. Webhook calls show to nobody:
their endpoints belong to owners case tracking does not know. No entry ever holds an address.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain import timeline
from case_tracking.service.recording import COMPLAINANT, PLATFORM, record_entry
from nowrongdoor.contracts.events import NotificationDelivered, NotificationFailed


class CaseNotOpenedYet(LookupError):
    """The notice is about a complaint whose case is not open here yet (an acknowledgement goes
    out the moment it is filed); the bus delivers it again shortly, after the case opens."""


async def record_notice(
    session: AsyncSession, event: NotificationDelivered | NotificationFailed, event_id: str
) -> None:
    """A timeline entry for what was sent, seen by the one it was sent to; in the consumer's
    transaction, so a redelivered event writes nothing twice."""
    if not timeline.notice_channel(event.channel):
        return
    if await repository.case_group(session, event.reference) is None:
        raise CaseNotOpenedYet(event.reference)
    delivered = isinstance(event, NotificationDelivered)
    at = event.delivered_at if isinstance(event, NotificationDelivered) else event.failed_at
    if event.recipient == COMPLAINANT:
        happened = timeline.notice(event.channel, delivered=delivered)
    else:
        part = await repository.part_of(session, event.reference, event.recipient)
        if part is None:
            return  # a webhook endpoint's id, or an institution with no part: nobody to show
        happened = timeline.notice(
            event.channel, delivered=delivered, institution_name=part.institution_name
        )
    record_entry(
        session,
        reference=event.reference,
        at=at,
        kind="notice-sent" if delivered else "notice-failed",
        actor=PLATFORM,
        happened=happened,
        event_id=event_id,
        visible_to=event.recipient,
    )
