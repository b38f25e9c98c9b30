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
from nowrongdoor.events import CaseOpened


def record_case_opened(session: AsyncSession, opened: CaseOpened, event_id: str) -> list[Delivery]:
    """Each competent institution learns of the case; the complainant sees it when tracking."""
    now = datetime.now(UTC)
    recipients = [(institution, "institution-inbox") for institution in opened.institution_ids]
    recipients.append(("complainant", "tracking-page"))
    deliveries = [
        Delivery(
            id=str(uuid.uuid4()),
            cause_event_id=event_id,
            reference=opened.reference,
            recipient=recipient,
            channel=channel,
            status="recorded",
            created_at=now,
        )
        for recipient, channel in recipients
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
