"""Forgetting a case's personal data once intake has removed the complaint's, keeping the facts.

Intake announces `complaint.personal-data-removed` when a closed case's retention has run out or
the complainant erased their data. In that event's transaction case tracking then removes what
people wrote in the case: each message body (the message itself stays, marked removed, so its
readers see that something was said, by whom and when, and that it is gone), the reasons noted
on timeline steps, the outcome reasons, the reasons given with invitations to a joint case
(marked removed the same way where one is required), and the case's attachments. Statuses,
dates, outcomes and the platform's timeline summaries carry no personal data and stay for the
statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from case_tracking import repository
from case_tracking.models import CaseInvitation, CaseMessage, CasePart, TimelineEntry
from case_tracking.service import attachments
from nowrongdoor.contracts.events import ComplaintPersonalDataRemoved
from nowrongdoor.storage import BlobStore

RemovalReason = Literal["retention", "erasure"]

FORGET = "remove-personal-data"
"""The audit action; its actor is the platform, acting on intake's word."""

_REMOVED = "removed:"
"""What a removed message's body column holds instead of a sealed value, then why."""

_NOTICES: dict[str, dict[str, str]] = {
    "message": {
        "retention": "This message was removed after the retention period.",
        "erasure": "This message was removed at the complainant's request.",
    },
    "reason": {
        "retention": "Removed after the retention period.",
        "erasure": "Removed at the complainant's request.",
    },
}


@dataclass(frozen=True)
class Forgotten:
    """How much of the case was removed; counts only, never what was removed."""

    messages: int
    notes: int
    reasons: int
    invitation_reasons: int
    attachments: int

    def describe(self, reason: RemovalReason) -> str:
        return (
            f"{reason}: {self.messages} message bodies, {self.notes} notes, "
            f"{self.reasons} outcome reasons, {self.invitation_reasons} invitations' reasons, "
            f"{self.attachments} attachments"
        )


def removed_marker(reason: RemovalReason) -> str:
    """What a removed message's `sealed_body` holds: no sealed value ever starts like this."""
    return f"{_REMOVED}{reason}"


def removal_notice(sealed: str, of: Literal["message", "reason"] = "message") -> str | None:
    """What a reader sees in place of a removed message body or invitation reason; None while
    it is kept."""
    if not sealed.startswith(_REMOVED):
        return None
    notices = _NOTICES[of]
    return notices.get(sealed.removeprefix(_REMOVED), notices["retention"])


async def forget_case(
    session: AsyncSession, store: BlobStore, event: ComplaintPersonalDataRemoved
) -> Forgotten | None:
    """Remove the case's personal data in the caller's transaction, and audit it.

    None when case tracking holds no case under the reference, so nothing to remove. `store` is
    where the case's attachments are kept.
    """
    reference = event.reference
    if await repository.case_group(session, reference) is None:
        return None
    forgotten = Forgotten(
        messages=await _count(
            session,
            sa.update(CaseMessage)
            .where(
                col(CaseMessage.reference) == reference,
                ~col(CaseMessage.sealed_body).startswith(_REMOVED),
            )
            .values(sealed_body=removed_marker(event.reason)),
        ),
        notes=await _count(
            session,
            sa.update(TimelineEntry)
            .where(
                col(TimelineEntry.reference) == reference,
                col(TimelineEntry.sealed_note).is_not(None),
            )
            .values(sealed_note=None),
        ),
        reasons=await _count(
            session,
            sa.update(CasePart)
            .where(
                col(CasePart.reference) == reference,
                col(CasePart.sealed_outcome_reason).is_not(None),
            )
            .values(sealed_outcome_reason=None),
        ),
        invitation_reasons=await _count(
            session,
            sa.update(CaseInvitation)
            .where(
                col(CaseInvitation.reference) == reference,
                ~col(CaseInvitation.sealed_reason).startswith(_REMOVED),
            )
            .values(sealed_reason=removed_marker(event.reason), sealed_decline_reason=None),
        ),
        attachments=await attachments.remove_all(session, store, reference),
    )
    repository.add_audit_entry(
        session,
        at=event.removed_at,
        client_id="case-tracking-forgetting",
        kind="system",
        institution_id=None,
        action=FORGET,
        reference=reference,
        detail=forgotten.describe(event.reason),
    )
    return forgotten


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
