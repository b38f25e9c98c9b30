"""What every use case writes alike: timeline entries, the case's derived status, its news."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain import lifecycle, timeline
from case_tracking.models import CaseGroup, CasePart, TimelineEntry
from case_tracking.service import SOURCE
from case_tracking.service.deadlines import next_promises
from case_tracking.service.sealing import note_context
from nowrongdoor import db
from nowrongdoor.contracts.events import CaseStatusChanged
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.crypto import Sealer
from nowrongdoor.outbox import add_event

PLATFORM = "platform"
COMPLAINANT = "complainant"


def part_state(part: CasePart) -> lifecycle.PartState:
    return lifecycle.PartState(part.status, part.paused_from)


async def add_entry(
    session: AsyncSession,
    *,
    reference: str,
    at: datetime,
    kind: str,
    actor: str,
    happened: timeline.Happened,
    note: str | None = None,
    sealer: Sealer | None = None,
    event_id: str | None = None,
) -> TimelineEntry:
    """A timeline entry, kept as what happened and in English as written; the reason a person
    gave goes in sealed, bound to the entry."""
    entry = TimelineEntry(
        reference=reference,
        at=at,
        kind=kind,
        actor=actor,
        event_id=event_id,
        **told(happened),
    )
    session.add(entry)
    if note:
        assert sealer is not None, "a note is sealed"
        await session.flush()
        entry.sealed_note = sealer.seal(note, note_context(entry))
    return entry


def record_entry(
    session: AsyncSession,
    *,
    reference: str,
    at: datetime,
    kind: str,
    actor: str,
    happened: timeline.Happened,
    event_id: str | None = None,
    visible_to: str | None = None,
) -> None:
    """A timeline entry with no note, written as the transaction commits with the others it
    adds, in one statement (`db.insert_at_commit`). For the events' use cases, which write many
    and read none of them back; until the commit only `db.write_now` lets a read find it."""
    db.insert_at_commit(
        session,
        repository.TIMELINE_ENTRIES,
        db.new_row(
            TimelineEntry,
            reference=reference,
            at=at,
            kind=kind,
            actor=actor,
            visible_to=visible_to,
            event_id=event_id,
            **told(happened),
        ),
    )


def told(happened: timeline.Happened) -> dict[str, Any]:
    """An entry's columns that tell what happened: its wording, facts and English."""
    return {
        "summary": happened.read(timeline.ENGLISH),
        "wording": happened.wording,
        "facts": happened.facts,
    }


async def settle_status(
    session: AsyncSession,
    group: CaseGroup,
    at: datetime,
    *,
    without_parts: CaseStatus | None = None,
) -> None:
    """Derive the whole case's status from its parts, and announce it if it changed.

    With no active part the status stays routing's, or becomes `without_parts` when given.
    """
    await session.flush()
    parts = await repository.parts(session, group.reference)
    derived = lifecycle.summary_status(part.status for part in parts) or without_parts
    if derived is None or derived == group.status:
        return
    previous, group.status = group.status, derived
    await announce_status_change(
        session, group.reference, status=derived, previous_status=previous, at=at
    )


async def announce_status_change(
    session: AsyncSession,
    reference: str,
    *,
    status: CaseStatus,
    previous_status: CaseStatus | None,
    at: datetime,
    group: CaseGroup | None = None,
    parts: Sequence[CasePart] | None = None,
) -> None:
    """Announce a case group's new status; every change of status goes through here.

    A caller already holding the group and every one of its parts hands them in, and they are
    not read again.
    """
    if status == previous_status:
        return
    if parts is None:
        institution_ids = await repository.institution_ids(session, reference)
    else:
        institution_ids = repository.taking_part(parts)
    add_event(
        session,
        CaseStatusChanged(
            reference=reference,
            status=status,
            previous_status=previous_status,
            institution_ids=institution_ids,
            changed_at=at,
            promised=await next_promises(session, reference, at, group=group, parts=parts),
        ),
        source=SOURCE,
        subject=reference,
    )
