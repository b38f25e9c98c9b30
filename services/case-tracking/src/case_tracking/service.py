"""Case tracking's use cases: a complaint followed from its receipt through routing's decisions.

Each event's use case runs inside the unit of work the runtime opens for that event together with
its inbox record, and writes the events it causes to the outbox there; reads open their own
session. Events of different subjects arrive in any order, so each use case reads the case as it
stands and moves it only forward.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain import cursor, lifecycle, timeline
from case_tracking.models import CaseGroup, CasePart, TimelineEntry
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, InstitutionCase, InstitutionCasePage
from nowrongdoor.contracts.cases import TimelineEntry as TimelineView
from nowrongdoor.contracts.events import (
    CaseOpened,
    CaseStatusChanged,
    ComplaintReceived,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome
from nowrongdoor.db import SessionMaker
from nowrongdoor.outbox import add_event

SOURCE = "/services/case-tracking"
PLATFORM = "platform"


async def receive_complaint(
    session: AsyncSession, received: ComplaintReceived, event_id: str
) -> None:
    """The complainant follows the complaint from the moment intake accepted it.

    A decision that arrived first has already opened the case with its received entry; then
    nothing changes, so the status never moves back and the timeline says "received" once.
    """
    if await repository.case_group(session, received.reference, for_update=True) is not None:
        return
    now = datetime.now(UTC)
    door = received.facts.received_by
    session.add(
        CaseGroup(
            reference=received.reference,
            status=CaseStatus.RECEIVED,
            language=received.facts.language,
            received_by=door,
            received_at=received.received_at,
            opened_at=now,
            updated_at=now,
        )
    )
    # Only the door's id is known here; routing's decision names it in the complainant's language.
    session.add(_received_entry(received.reference, received.received_at, door, event_id))
    await _announce_status_change(
        session, received.reference, status=CaseStatus.RECEIVED, previous_status=None, at=now
    )


async def open_from_decision(session: AsyncSession, routed: ComplaintRouted, event_id: str) -> None:
    """Open the case group the decision calls for; announce it when an institution takes it."""
    now = datetime.now(UTC)
    status = lifecycle.status_after(routed.outcome)
    lead = next((c.institution_id for c in routed.competent if c.role == "lead"), None)
    door_name = routed.received_by_name or routed.received_by
    group = await repository.case_group(session, routed.reference, for_update=True)
    previous_status = group.status if group is not None else None
    if group is None:
        group = CaseGroup(
            reference=routed.reference,
            status=status,
            language=routed.language,
            received_by=routed.received_by,
            received_at=routed.received_at,
            opened_at=now,
            updated_at=now,
        )
        session.add(group)
        session.add(_received_entry(routed.reference, routed.received_at, door_name))
    elif lifecycle.awaits_first_decision(group.status):
        await _name_the_door(session, group, routed.received_by, door_name)
    # Otherwise decided after triage, or after the complainant came back: the reference goes on.
    group.status = status
    group.lead_institution_id = lead
    group.advice = routed.advice
    group.explanation = routed.explanation
    group.registry_version = routed.registry_version
    group.updated_at = now
    await session.flush()
    session.add_all(
        CasePart(
            reference=routed.reference,
            institution_id=competent.institution_id,
            institution_name=competent.name,
            office_id=competent.office_id,
            office_name=competent.office_name,
            role=competent.role,
            status=status,
        )
        for competent in routed.competent
    )
    session.add(
        TimelineEntry(
            reference=routed.reference,
            at=routed.decided_at,
            kind=status.value,
            actor=PLATFORM,
            summary=timeline.decided(routed),
            event_id=event_id,
        )
    )
    if routed.outcome == RoutingOutcome.COMPETENT:
        add_event(
            session,
            CaseOpened(
                reference=routed.reference,
                status=status,
                institution_ids=[c.institution_id for c in routed.competent],
                lead_institution_id=lead,
                language=routed.language,
                opened_at=now,
                received_by=routed.received_by,
            ),
            source=SOURCE,
            subject=routed.reference,
        )
    await _announce_status_change(
        session, routed.reference, status=status, previous_status=previous_status, at=now
    )


async def hold_for_triage(
    session: AsyncSession, triage: ComplaintTriageRequired, event_id: str
) -> None:
    """Hold the case at the triage desk until a person there decides where it goes."""
    now = datetime.now(UTC)
    status = lifecycle.status_after(RoutingOutcome.TRIAGE)
    group = await repository.case_group(session, triage.reference, for_update=True)
    if group is None:
        session.add(
            CaseGroup(
                reference=triage.reference,
                status=status,
                language=triage.language,
                received_by=triage.triage_institution_id,
                registry_version=triage.registry_version,
                explanation=triage.explanation,
                received_at=triage.received_at,
                opened_at=now,
                updated_at=now,
            )
        )
        session.add(
            _received_entry(triage.reference, triage.received_at, triage.triage_institution_name)
        )
        await _announce_status_change(
            session, triage.reference, status=status, previous_status=None, at=now
        )
    elif lifecycle.awaits_first_decision(group.status):
        await _name_the_door(
            session, group, triage.triage_institution_id, triage.triage_institution_name
        )
        group.status = status
        group.registry_version = triage.registry_version
        group.explanation = triage.explanation
        group.updated_at = now
        await _announce_status_change(
            session, triage.reference, status=status, previous_status=CaseStatus.RECEIVED, at=now
        )
    session.add(
        TimelineEntry(
            reference=triage.reference,
            at=triage.decided_at,
            kind=status.value,
            actor=PLATFORM,
            summary=timeline.awaiting_triage(triage.triage_institution_name),
            event_id=event_id,
        )
    )


async def case_for(sessions: SessionMaker, caller: Principal, reference: str) -> CaseView | None:
    """The case as `caller` may see it; None when there is none, or none for them.

    The complainant holding the receipt sees it from the moment it was received; an institution
    only once it has a part in it.
    """
    async with sessions() as session:
        if not await _may_read(session, caller, reference):
            return None
        group = await repository.case_group(session, reference)
        if group is None:
            return None
        parts = await repository.parts(session, reference)
        entries = await repository.timeline(session, reference)
    return CaseView(
        reference=group.reference,
        status=group.status,
        institutions=[
            InstitutionSummary(
                institution_id=part.institution_id,
                name=part.institution_name,
                office_id=part.office_id,
                office_name=part.office_name,
                role=part.role,
            )
            for part in sorted(parts, key=lambda p: (p.role != "lead", p.id or 0))
        ],
        advice=group.advice,
        explanation=group.explanation,
        timeline=[
            TimelineView(at=e.at, kind=e.kind, actor=e.actor, summary=e.summary) for e in entries
        ],
    )


async def institution_cases(
    sessions: SessionMaker,
    caller: Principal,
    institution_id: str,
    *,
    limit: int,
    after: str | None,
) -> InstitutionCasePage:
    """One page of the cases in which `institution_id` has a part, newest first.

    Another institution's list looks like an empty one; a cursor this service did not hand out
    raises `cursor.BadCursor`.
    """
    if caller.kind != "admin" and caller.institution_id != institution_id:
        return InstitutionCasePage(items=[])
    position = cursor.decode(after) if after is not None else None
    async with sessions() as session:
        rows = await repository.institution_page(
            session, institution_id, after=position, limit=limit + 1
        )
    items = [
        InstitutionCase(
            reference=group.reference,
            status=group.status,
            part_status=part.status,
            role=part.role,
            office_id=part.office_id,
            language=group.language,
            opened_at=group.opened_at,
        )
        for group, part in rows[:limit]
    ]
    more = len(rows) > limit
    next_cursor = cursor.encode(items[-1].opened_at, items[-1].reference) if more else None
    return InstitutionCasePage(items=items, next_cursor=next_cursor)


async def _may_read(session: AsyncSession, caller: Principal, reference: str) -> bool:
    if caller.kind == "admin":
        return True
    if caller.kind == "public":
        return caller.may_open_as_complainant(reference)
    if caller.institution_id is None:
        return False
    return await repository.has_part(session, reference, caller.institution_id)


async def _announce_status_change(
    session: AsyncSession,
    reference: str,
    *,
    status: CaseStatus,
    previous_status: CaseStatus | None,
    at: datetime,
) -> None:
    """Announce a case group's new status; every change of status goes through here."""
    if status == previous_status:
        return
    await session.flush()
    add_event(
        session,
        CaseStatusChanged(
            reference=reference,
            status=status,
            previous_status=previous_status,
            institution_ids=await repository.institution_ids(session, reference),
            changed_at=at,
        ),
        source=SOURCE,
        subject=reference,
    )


def _received_entry(
    reference: str, at: datetime, door_name: str | None, event_id: str | None = None
) -> TimelineEntry:
    return TimelineEntry(
        reference=reference,
        at=at,
        kind=CaseStatus.RECEIVED.value,
        actor=PLATFORM,
        summary=timeline.received(door_name),
        event_id=event_id,
    )


async def _name_the_door(
    session: AsyncSession, group: CaseGroup, received_by: str | None, door_name: str | None
) -> None:
    """The first decision names the door as the complainant reads it; the entry stays the one."""
    group.received_by = received_by
    entry = await repository.received_entry(session, group.reference)
    if entry is not None:
        entry.summary = timeline.received(door_name)
