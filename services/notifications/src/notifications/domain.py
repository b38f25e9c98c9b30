"""Which deliveries an event calls for.

Deliveries are recorded as owed (`recorded`); sending them over webhooks and e-mail, with retries
and the outcome events, belongs to the delivery workers that build on this table.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.models import Delivery
from nowrongdoor.contracts.events import CaseOpened


def record_case_opened(session: AsyncSession, opened: CaseOpened, event_id: str) -> list[Delivery]:
    """Each competent institution learns of the case; the complainant sees it when tracking.

    The institution whose door it came through, when it is not competent, learns it left.
    """
    now = datetime.now(UTC)
    recipients = [
        (institution, "institution-inbox", "case-opened") for institution in opened.institution_ids
    ]
    recipients.append(("complainant", "tracking-page", "case-opened"))
    if opened.received_by and opened.received_by not in opened.institution_ids:
        recipients.append((opened.received_by, "institution-inbox", "transferred-out"))
    deliveries = [
        Delivery(
            id=str(uuid.uuid4()),
            cause_event_id=event_id,
            reference=opened.reference,
            recipient=recipient,
            channel=channel,
            kind=kind,
            status="recorded",
            created_at=now,
        )
        for recipient, channel, kind in recipients
    ]
    session.add_all(deliveries)
    return deliveries


async def deliveries_for(session: AsyncSession, reference: str) -> list[Delivery]:
    return list(
        (
            await session.scalars(
                select(Delivery)
                .where(col(Delivery.reference) == reference)
                .order_by(col(Delivery.created_at), col(Delivery.recipient))
            )
        ).all()
    )
