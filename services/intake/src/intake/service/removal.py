"""Removing a complaint's personal data, and telling every other service to remove its own.

The removal and its announcement commit together, through the outbox: case tracking then removes
the case's message bodies, notes, reasons and attachments. Every service keeps the facts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from intake import repository
from intake.service.submissions import SOURCE
from nowrongdoor.contracts.events import ComplaintPersonalDataRemoved
from nowrongdoor.contracts.intake import ErasureReason
from nowrongdoor.outbox import add_event

# Intake records who asked ("request"); the event says what happened to the data.
_ANNOUNCED: dict[ErasureReason, Literal["erasure", "retention"]] = {
    "request": "erasure",
    "retention": "retention",
}


async def remove_personal_data(
    session: AsyncSession, reference: str, reason: ErasureReason, now: datetime
) -> bool:
    """Empty the submission's sealed values and announce it, in the caller's transaction.

    False, and nothing announced, when they were removed before.
    """
    if not await repository.remove_personal_data(session, reference, reason, now):
        return False
    add_event(
        session,
        ComplaintPersonalDataRemoved(
            reference=reference, reason=_ANNOUNCED[reason], removed_at=now
        ),
        source=SOURCE,
        subject=reference,
    )
    return True
