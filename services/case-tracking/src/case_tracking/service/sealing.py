"""What each sealed value is bound to: its case and its row, so none opens anywhere else."""

from __future__ import annotations

from case_tracking.models import CaseInvitation, CaseMessage, CasePart, TimelineEntry
from nowrongdoor.crypto import Sealer


def message_context(message: CaseMessage) -> str:
    return f"{message.reference}/message/{message.message_id}"


def note_context(entry: TimelineEntry) -> str:
    return f"{entry.reference}/timeline/{entry.id}"


def reason_context(part: CasePart) -> str:
    return f"{part.reference}/part/{part.institution_id}/outcome-reason"


def invitation_context(invitation: CaseInvitation, field: str) -> str:
    """Bound to the invitation and to which of its reasons it is: asked, or declined."""
    return f"{invitation.reference}/invitation/{invitation.id}/{field}"


def open_note(sealer: Sealer, entry: TimelineEntry) -> str | None:
    return sealer.open(entry.sealed_note, note_context(entry)) if entry.sealed_note else None


def open_reason(sealer: Sealer, part: CasePart) -> str | None:
    if not part.sealed_outcome_reason:
        return None
    return sealer.open(part.sealed_outcome_reason, reason_context(part))


def seal_reason(sealer: Sealer, part: CasePart, reason: str | None) -> None:
    part.sealed_outcome_reason = sealer.seal(reason, reason_context(part)) if reason else None
