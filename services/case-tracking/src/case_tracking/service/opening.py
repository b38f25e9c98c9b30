"""What intake's and routing's events open: the case group, its parts and their first entries.

Each event's use case runs inside the unit of work the runtime opens for that event together with
its inbox record, and writes the events it causes to the outbox there. Events of different
subjects arrive in any order, so each use case reads the case as it stands and moves it only
forward; a case the complainant withdrew stays withdrawn whatever a late decision says.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain import lifecycle, timeline
from case_tracking.models import CaseGroup, CasePart, KnownInstitution
from case_tracking.repository import batches
from case_tracking.service import SOURCE
from case_tracking.service.deadlines import refresh_due, stored_closing_days
from case_tracking.service.recording import (
    PLATFORM,
    announce_status_change,
    record_entry,
    told,
)
from nowrongdoor import db
from nowrongdoor.contracts.events import (
    CaseOpened,
    CompetentInstitution,
    ComplaintFacts,
    ComplaintReceived,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome
from nowrongdoor.outbox import add_event


async def receive_complaint(
    session: AsyncSession, received: ComplaintReceived, event_id: str
) -> None:
    """The complainant follows the complaint from the moment intake accepted it.

    A decision that arrived first has already opened the case with its received entry; then
    only the complaint's facts are kept, so the status never moves back and the timeline says
    "received" once.
    """
    group = await batches.case_group_for_update(session, received.reference)
    if group is not None:
        if group.category is None:
            _keep_facts(group, received.facts)
        return
    now = datetime.now(UTC)
    door = received.facts.received_by
    group = CaseGroup(
        reference=received.reference,
        status=CaseStatus.RECEIVED,
        language=received.facts.language,
        received_by=door,
        received_at=received.received_at,
        opened_at=now,
        updated_at=now,
    )
    _keep_facts(group, received.facts)
    session.add(group)
    # Only the door's id is known here; routing's decision names it in the complainant's language.
    record_entry(
        session,
        reference=received.reference,
        at=received.received_at,
        kind=CaseStatus.RECEIVED.value,
        actor=PLATFORM,
        happened=timeline.received(door),
        event_id=event_id,
    )
    # A case only now received has no parts yet.
    await announce_status_change(
        session,
        received.reference,
        status=CaseStatus.RECEIVED,
        previous_status=None,
        at=now,
        group=group,
        parts=[],
    )


async def open_from_decision(session: AsyncSession, routed: ComplaintRouted, event_id: str) -> None:
    """Open the case group the decision calls for; announce it when an institution takes it."""
    now = datetime.now(UTC)
    await _learn_institutions(session, routed, now)
    door_name = routed.received_by_name or routed.received_by
    group = await batches.case_group_for_update(session, routed.reference)
    previous_status = group.status if group is not None else None
    if group is None:
        group = CaseGroup(
            reference=routed.reference,
            status=lifecycle.status_after(routed.outcome),
            language=routed.language,
            received_by=routed.received_by,
            received_at=routed.received_at,
            opened_at=now,
            updated_at=now,
        )
        session.add(group)
        record_entry(
            session,
            reference=routed.reference,
            at=routed.received_at,
            kind=CaseStatus.RECEIVED.value,
            actor=PLATFORM,
            happened=timeline.received(door_name),
        )
    elif group.status == CaseStatus.WITHDRAWN:
        return
    else:
        group.version += 1
    # Read once: naming the door below changes the group and its entry, never its parts. A group
    # opened just now has none: a part cannot outlive its group.
    existing = await batches.parts(session, group.reference) if previous_status is not None else []
    if (
        previous_status is not None
        and lifecycle.awaits_first_decision(group.status)
        and not existing
    ):
        await _name_the_door(session, group, routed.received_by, door_name)
    # Otherwise decided after triage, after the complainant came back, or again after an
    # institution declined the opened case: the reference goes on.
    taking_part = {part.institution_id for part in existing}
    _follow_roles(existing, routed.competent)
    opened = [
        _part(routed.reference, competent, now)
        for competent in routed.competent
        if competent.institution_id not in taking_part
    ]
    for part in opened:
        refresh_due(part, [], group.respondent_territory, today=now.date())
    # Written as plain rows at the commit, all of the batch's in one statement.
    repository.open_parts(session, opened)
    # The parts read above and those just opened are all of them; no need to read them again.
    status = lifecycle.summary_status(
        part.status for part in [*existing, *opened]
    ) or lifecycle.status_after(routed.outcome)
    group.status = status
    group.lead_institution_id = next(
        (c.institution_id for c in routed.competent if c.role == "lead"), None
    )
    group.advice = routed.advice
    group.explanation = routed.explanation
    group.registry_version = routed.registry_version
    if routed.territory_path:  # older producers send none; the statistics then fall back
        group.territory_path = list(routed.territory_path)
    group.updated_at = now
    record_entry(
        session,
        reference=routed.reference,
        at=routed.decided_at,
        kind=lifecycle.status_after(routed.outcome).value,
        actor=PLATFORM,
        happened=timeline.decided(routed),
        event_id=event_id,
    )
    # Only institutions whose part opens now learn of the case; those already in it know it.
    if routed.outcome == RoutingOutcome.COMPETENT and opened:
        add_event(
            session,
            CaseOpened(
                reference=routed.reference,
                status=status,
                institution_ids=[part.institution_id for part in opened],
                lead_institution_id=group.lead_institution_id,
                language=routed.language,
                opened_at=now,
                received_by=routed.received_by,
            ),
            source=SOURCE,
            subject=routed.reference,
        )
    await announce_status_change(
        session,
        routed.reference,
        status=status,
        previous_status=previous_status,
        at=now,
        group=group,
        parts=[*existing, *opened],
    )


async def hold_for_triage(
    session: AsyncSession, triage: ComplaintTriageRequired, event_id: str
) -> None:
    """Hold the case at the triage desk until a person there decides where it goes."""
    now = datetime.now(UTC)
    status = lifecycle.status_after(RoutingOutcome.TRIAGE)
    group = await batches.case_group_for_update(session, triage.reference)
    if group is None:
        session.add(
            CaseGroup(
                reference=triage.reference,
                status=status,
                language=triage.language,
                received_by=triage.triage_institution_id,
                triage_institution_id=triage.triage_institution_id,
                registry_version=triage.registry_version,
                explanation=triage.explanation,
                received_at=triage.received_at,
                opened_at=now,
                updated_at=now,
            )
        )
        record_entry(
            session,
            reference=triage.reference,
            at=triage.received_at,
            kind=CaseStatus.RECEIVED.value,
            actor=PLATFORM,
            happened=timeline.received(triage.triage_institution_name),
        )
        await announce_status_change(
            session, triage.reference, status=status, previous_status=None, at=now
        )
    elif await _first_decision_awaited(session, group):
        await _name_the_door(
            session, group, triage.triage_institution_id, triage.triage_institution_name
        )
        group.status = status
        group.version += 1
        group.triage_institution_id = triage.triage_institution_id
        group.registry_version = triage.registry_version
        group.explanation = triage.explanation
        group.updated_at = now
        await announce_status_change(
            session, triage.reference, status=status, previous_status=CaseStatus.RECEIVED, at=now
        )
    elif group.status == CaseStatus.WITHDRAWN:
        return
    elif lifecycle.awaits_first_decision(group.status):
        # Every part was handed back to routing, and a person must now decide where it goes.
        group.status = status
        group.version += 1
        group.triage_institution_id = triage.triage_institution_id
        group.registry_version = triage.registry_version
        group.explanation = triage.explanation
        group.updated_at = now
        await announce_status_change(
            session, triage.reference, status=status, previous_status=CaseStatus.RECEIVED, at=now
        )
    record_entry(
        session,
        reference=triage.reference,
        at=triage.decided_at,
        kind=status.value,
        actor=PLATFORM,
        happened=timeline.awaiting_triage(triage.triage_institution_name),
        event_id=event_id,
    )


def facts_of(group: CaseGroup) -> ComplaintFacts | None:
    """The complaint's facts as `complaint.received` gave them; None if it was never heard."""
    if group.category is None:
        return None
    return ComplaintFacts.model_validate(
        {
            "category": group.category,
            "respondent_type": group.respondent_type,
            "respondent_territory": group.respondent_territory,
            "complainant_role": group.complainant_role,
            "anonymous": group.anonymous,
            "administration_contacted": group.administration_contacted,
            "court_case_pending": group.court_case_pending,
            "language": group.language,
            "received_by": group.received_by,
            "channel": group.channel,
            "relayed_by": group.relayed_by,
        }
    )


def _keep_facts(group: CaseGroup, facts: ComplaintFacts) -> None:
    group.category = facts.category
    group.respondent_type = facts.respondent_type
    group.respondent_territory = facts.respondent_territory
    group.complainant_role = facts.complainant_role
    group.anonymous = facts.anonymous
    group.administration_contacted = facts.administration_contacted
    group.court_case_pending = facts.court_case_pending
    group.channel = facts.channel
    group.relayed_by = facts.relayed_by.model_dump(mode="json") if facts.relayed_by else None
    group.relay_ngo_id = facts.relayed_by.ngo_id if facts.relayed_by else None


def _part(reference: str, competent: CompetentInstitution, now: datetime) -> CasePart:
    standards = competent.service_standards
    return CasePart(
        reference=reference,
        institution_id=competent.institution_id,
        institution_name=competent.name,
        office_id=competent.office_id,
        office_name=competent.office_name,
        role=competent.role,
        status=CaseStatus.ROUTED,
        relay_accredited=competent.relay_accredited,
        opened_at=now,
        acknowledge_days=standards.acknowledge_days if standards else None,
        admissibility_days=standards.admissibility_days if standards else None,
        resolve_days=standards.resolve_days if standards else None,
        calendar=competent.calendar,
        closing_days=stored_closing_days(competent.closing_days),
    )


def _follow_roles(parts: list[CasePart], competent: list[CompetentInstitution]) -> None:
    """Parts already open take the role a later decision gives their institution."""
    roles = {c.institution_id: c.role for c in competent}
    for part in parts:
        if part.institution_id in roles and part.status not in lifecycle.FINAL:
            part.role = roles[part.institution_id]


async def _learn_institutions(
    session: AsyncSession, routed: ComplaintRouted, now: datetime
) -> None:
    """Remember how the decision named each institution, for a transfer to it by name."""
    for competent in routed.competent:
        standards = competent.service_standards
        await repository.learn_institution(
            session,
            db.new_row(
                KnownInstitution,
                institution_id=competent.institution_id,
                language=routed.language,
                name=competent.name,
                acknowledge_days=standards.acknowledge_days if standards else None,
                admissibility_days=standards.admissibility_days if standards else None,
                resolve_days=standards.resolve_days if standards else None,
                calendar=competent.calendar,
                closing_days=stored_closing_days(competent.closing_days),
                learned_at=now,
            ),
        )


async def _first_decision_awaited(session: AsyncSession, group: CaseGroup) -> bool:
    """Merely received, and never taken by an institution (a transfer can send it back here)."""
    return lifecycle.awaits_first_decision(group.status) and not await repository.parts(
        session, group.reference
    )


async def _name_the_door(
    session: AsyncSession, group: CaseGroup, received_by: str | None, door_name: str | None
) -> None:
    """The first decision names the door as the complainant reads it; the entry stays the one."""
    group.received_by = received_by
    await repository.retell_received_entry(
        session, group.reference, told(timeline.received(door_name))
    )
