"""Opening cases from routing decisions and keeping their timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from case_tracking.models import CaseGroup, CasePart, TimelineEntry
from nowrongdoor.contracts.cases import CaseView
from nowrongdoor.contracts.cases import TimelineEntry as TimelineView
from nowrongdoor.contracts.events import (
    CaseOpened,
    CaseStatusChanged,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from nowrongdoor.outbox import add_event

SOURCE = "/services/case-tracking"
PLATFORM = "platform"

STATUS_BY_OUTCOME = {
    "competent": "routed",
    "prerequisite-missing": "inadmissible",
    "not-competent": "closed",
}


def _names(institutions: list[str]) -> str:
    return ", ".join(institutions)


async def open_from_decision(session: AsyncSession, routed: ComplaintRouted, event_id: str) -> None:
    """Open the case group the decision calls for; announce it when an institution takes it."""
    now = datetime.now(UTC)
    existing = await session.get(CaseGroup, routed.reference)
    status = STATUS_BY_OUTCOME[routed.outcome]
    lead = next((c.institution_id for c in routed.competent if c.role == "lead"), None)
    previous_status = existing.status if existing is not None else None
    if existing is None:
        session.add(
            CaseGroup(
                reference=routed.reference,
                status=status,
                language=routed.language,
                received_by=routed.received_by,
                lead_institution_id=lead,
                advice=routed.advice,
                explanation=routed.explanation,
                registry_version=routed.registry_version,
                received_at=routed.received_at,
                opened_at=now,
                updated_at=now,
            )
        )
        session.add(
            _received_entry(
                routed.reference, routed.received_at, routed.received_by_name or routed.received_by
            )
        )
    else:
        # Decided after triage, or after the complainant came back: the same reference goes on.
        existing.status = status
        existing.lead_institution_id = lead
        existing.advice = routed.advice
        existing.explanation = routed.explanation
        existing.registry_version = routed.registry_version
        existing.updated_at = now
    await session.flush()
    for competent in routed.competent:
        session.add(
            CasePart(
                reference=routed.reference,
                institution_id=competent.institution_id,
                institution_name=competent.name,
                office_id=competent.office_id,
                office_name=competent.office_name,
                role=competent.role,
                status=status,
            )
        )
    session.add(
        TimelineEntry(
            reference=routed.reference,
            at=routed.decided_at,
            kind=status,
            actor=PLATFORM,
            summary=_decision_summary(routed),
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
    await announce_status_change(
        session, routed.reference, status=status, previous_status=previous_status, at=now
    )


async def announce_status_change(
    session: AsyncSession,
    reference: str,
    *,
    status: str,
    previous_status: str | None,
    at: datetime,
) -> None:
    """Announce a case group's new status; every change of status goes through here."""
    if status == previous_status:
        return
    await session.flush()
    institution_ids = (
        await session.scalars(
            select(CasePart.institution_id)
            .where(col(CasePart.reference) == reference)
            .order_by(col(CasePart.id))
        )
    ).all()
    add_event(
        session,
        CaseStatusChanged(
            reference=reference,
            status=status,
            previous_status=previous_status,
            institution_ids=list(institution_ids),
            changed_at=at,
        ),
        source=SOURCE,
        subject=reference,
    )


def _received_entry(reference: str, at: datetime, door_name: str | None) -> TimelineEntry:
    door = f"by {door_name}" if door_name else "through the joint portal"
    return TimelineEntry(
        reference=reference, at=at, kind="received", actor=PLATFORM, summary=f"Received {door}"
    )


def _decision_summary(routed: ComplaintRouted) -> str:
    if routed.outcome == RoutingOutcome.COMPETENT:
        parts = [
            f"{c.name}{f' ({c.office_name})' if c.office_name else ''}"
            + (" (lead)" if c.role == "lead" and len(routed.competent) > 1 else "")
            for c in routed.competent
        ]
        moved = routed.received_by is not None and routed.received_by not in {
            c.institution_id for c in routed.competent
        }
        door = routed.received_by_name or routed.received_by
        verb = f"Transferred from {door} to" if moved else "Routed to"
        return f"{verb} {_names(parts)}"
    if routed.outcome == RoutingOutcome.PREREQUISITE_MISSING:
        return "Not admissible yet: a prerequisite is missing (see the advice)"
    return "No participating institution is competent (see the advice)"


async def hold_for_triage(
    session: AsyncSession, triage: ComplaintTriageRequired, event_id: str
) -> None:
    now = datetime.now(UTC)
    if await session.get(CaseGroup, triage.reference) is None:
        session.add(
            CaseGroup(
                reference=triage.reference,
                status="triage",
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
        await session.flush()
        await announce_status_change(
            session, triage.reference, status="triage", previous_status=None, at=now
        )
    session.add(
        TimelineEntry(
            reference=triage.reference,
            at=triage.decided_at,
            kind="triage",
            actor=PLATFORM,
            summary=f"Awaiting a decision on competence by {triage.triage_institution_name}",
            event_id=event_id,
        )
    )


async def case_view(session: AsyncSession, reference: str) -> CaseView | None:
    group = await session.get(CaseGroup, reference)
    if group is None:
        return None
    parts = (
        await session.scalars(
            select(CasePart).where(col(CasePart.reference) == reference).order_by(col(CasePart.id))
        )
    ).all()
    entries = (
        await session.scalars(
            select(TimelineEntry)
            .where(col(TimelineEntry.reference) == reference)
            .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
        )
    ).all()
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
