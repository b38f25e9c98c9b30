"""Notifications' use cases: which deliveries an event calls for, and what is owed for a case.

Deliveries are recorded as owed (`recorded`); sending them over webhooks and e-mail, with retries
and the outcome events, belongs to the delivery workers that build on this table. Each event's use
case runs inside the unit of work the runtime opens for that event together with its inbox record.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from notifications import repository
from notifications.models import Delivery
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.contracts.notifications import Delivery as DeliveryView
from nowrongdoor.db import SessionMaker

COMPLAINANT = "complainant"
INSTITUTION_INBOX = "institution-inbox"
TRACKING_PAGE = "tracking-page"
CASE_OPENED = "case-opened"
TRANSFERRED_OUT = "transferred-out"
RECORDED = "recorded"


def record_case_opened(session: AsyncSession, opened: CaseOpened, event_id: str) -> list[Delivery]:
    """Each competent institution learns of the case; the complainant sees it when tracking.

    The institution whose door it came through, when it is not competent, learns it left.
    """
    now = datetime.now(UTC)
    deliveries = [
        Delivery(
            id=str(uuid.uuid4()),
            cause_event_id=event_id,
            reference=opened.reference,
            recipient=recipient,
            channel=channel,
            kind=kind,
            status=RECORDED,
            created_at=now,
        )
        for recipient, channel, kind in owed_for_case_opened(opened)
    ]
    repository.add_deliveries(session, deliveries)
    return deliveries


def owed_for_case_opened(opened: CaseOpened) -> list[tuple[str, str, str]]:
    """Who is told of an opened case, on which channel, and why: (recipient, channel, kind)."""
    owed = [(institution, INSTITUTION_INBOX, CASE_OPENED) for institution in opened.institution_ids]
    owed.append((COMPLAINANT, TRACKING_PAGE, CASE_OPENED))
    if opened.received_by and opened.received_by not in opened.institution_ids:
        owed.append((opened.received_by, INSTITUTION_INBOX, TRANSFERRED_OUT))
    return owed


async def deliveries_for(sessions: SessionMaker, reference: str) -> list[DeliveryView]:
    """Every delivery owed for the case under `reference`, oldest first."""
    async with sessions() as session:
        deliveries = await repository.deliveries_for(session, reference)
    return [DeliveryView.model_validate(d, from_attributes=True) for d in deliveries]
