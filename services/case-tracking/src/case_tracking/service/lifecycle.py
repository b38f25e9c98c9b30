"""The steps that work a case: an institution's status changes and transfers, and the
complainant's withdrawal.

An institution's change names the version it was made on: the version moves on in the same
statement that checks it, first in the transaction, so two changes made on the same version
never both pass, and the loser is told its view is stale. Each step writes its timeline entry,
its own event, and `case.status-changed` when the whole case's status moves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain import lifecycle, timeline
from case_tracking.domain.lifecycle import IllegalStep, PartState
from case_tracking.models import CaseGroup, CasePart, PartPause
from case_tracking.service import SOURCE, Database, access
from case_tracking.service.deadlines import claim_breaches, refresh_due
from case_tracking.service.errors import AlreadyTakingPart, CaseNotFound, InvalidChange, StaleCase
from case_tracking.service.opening import facts_of
from case_tracking.service.reading import case_for
from case_tracking.service.recording import (
    COMPLAINANT,
    add_entry,
    announce_status_change,
    part_state,
    settle_status,
)
from case_tracking.service.sealing import seal_reason
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, StatusChange, Transfer, Withdrawal
from nowrongdoor.contracts.events import (
    CaseAcknowledged,
    CaseAdmissibilityDecided,
    CaseAwaitingComplainant,
    CaseClosed,
    CaseInvestigationStarted,
    CaseOpened,
    CaseResolved,
    CaseResumed,
    CaseStepTaken,
    CaseTransferred,
    CaseWithdrawn,
)
from nowrongdoor.contracts.vocabulary import CaseOutcome, CaseStatus
from nowrongdoor.crypto import Sealer
from nowrongdoor.outbox import add_event

S = CaseStatus
_STEP_EVENTS: dict[CaseStatus, type[CaseStepTaken]] = {
    S.ACKNOWLEDGED: CaseAcknowledged,
    S.ADMISSIBLE: CaseAdmissibilityDecided,
    S.INADMISSIBLE: CaseAdmissibilityDecided,
    S.INVESTIGATING: CaseInvestigationStarted,
    S.AWAITING_COMPLAINANT: CaseAwaitingComplainant,
    S.CLOSED: CaseClosed,
}

Changed = tuple[CaseView, int]


async def change_status(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    change: StatusChange,
    *,
    version: int,
    now: datetime,
) -> Changed:
    """Move the caller's part one step on; the case as it then reads, and its new version."""
    async with db.transaction() as session:
        group, part = await _claim(session, caller, reference, version)
        before = part_state(part)
        after = lifecycle.step(before, change.status)
        _check(change)
        pauses = await _pauses(session, part)
        await claim_breaches(session, part, pauses, group.respondent_territory, now)
        await _apply(session, sealer, part, before, after, change, now)
        refresh_due(
            part, await _pauses(session, part), group.respondent_territory, today=now.date()
        )
        group.updated_at = now
        await settle_status(session, group, now)
    return await _read(db, sealer, caller, reference, now)


async def transfer(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    handover: Transfer,
    *,
    version: int,
    now: datetime,
) -> Changed:
    """Hand the caller's part on: to the institution named, or back to routing to decide."""
    async with db.transaction() as session:
        group, part = await _claim(session, caller, reference, version)
        lifecycle.step(part_state(part), S.TRANSFERRED)
        target = handover.to_institution_id
        if target is not None and await repository.part_of(session, reference, target):
            raise AlreadyTakingPart(target)  # itself included
        pauses = await _pauses(session, part)
        await claim_breaches(session, part, pauses, group.respondent_territory, now)
        part.status, part.paused_from, part.ended_at, part.due_on = S.TRANSFERRED, None, now, None
        group.updated_at = now
        if target is not None:
            await _open_elsewhere(session, group, part, target, handover.reason, sealer, now)
        else:
            await _return_to_routing(session, group, part, handover.reason, sealer, now)
        # With no institution left, the case waits for a new decision as it did when received.
        await settle_status(session, group, now, without_parts=S.RECEIVED)
        if target is not None:
            _announce(
                session,
                CaseOpened.model_validate(
                    {
                        "reference": reference,
                        "status": group.status,
                        "institution_ids": [target],
                        "lead_institution_id": group.lead_institution_id,
                        "language": group.language,
                        "opened_at": now,
                        # The door learned where the case went when it first opened.
                        "received_by": None,
                    }
                ),
            )
    return await _read(db, sealer, caller, reference, now)


async def withdraw(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    withdrawal: Withdrawal,
    *,
    now: datetime,
) -> CaseView:
    """The complainant withdraws: every part still open ends, and so does the case."""
    if not caller.may_open_as_complainant(reference):
        raise CaseNotFound(reference)
    async with db.transaction() as session:
        if not await repository.move_version(session, reference, None):
            raise CaseNotFound(reference)
        group = await repository.case_group(session, reference, for_update=True)
        assert group is not None
        if not lifecycle.case_withdrawable(group.status):
            raise IllegalStep(group.status, S.WITHDRAWN, [])
        for part in await repository.parts(session, reference):
            state = part_state(part)
            if not lifecycle.withdrawable(state):
                continue
            await claim_breaches(
                session, part, await _pauses(session, part), group.respondent_territory, now
            )
            await _end_pause(session, part, now)
            after = lifecycle.withdraw(state)
            part.status, part.paused_from = after.status, after.paused_from
            part.outcome, part.ended_at, part.due_on = CaseOutcome.WITHDRAWN.value, now, None
            seal_reason(sealer, part, withdrawal.reason)
        previous, group.status, group.updated_at = group.status, S.WITHDRAWN, now
        await add_entry(
            session,
            reference=reference,
            at=now,
            kind=S.WITHDRAWN.value,
            actor=COMPLAINANT,
            happened=timeline.withdrawn(),
            note=withdrawal.reason,
            sealer=sealer,
        )
        _announce(
            session,
            CaseWithdrawn(
                reference=reference, status=S.WITHDRAWN, previous_status=previous, at=now
            ),
        )
        await announce_status_change(
            session, reference, status=S.WITHDRAWN, previous_status=previous, at=now
        )
    view, _ = await _read(db, sealer, caller, reference, now)
    return view


async def _claim(
    session: AsyncSession, caller: Principal, reference: str, version: int
) -> tuple[CaseGroup, CasePart]:
    """Move the version on if it is still `version`, then find the caller's part.

    The version moves first, so the row is held before anything is read; a caller without a
    part is told the case does not exist, whatever the version, and the transaction undone.
    """
    moved = await repository.move_version(session, reference, version)
    part = await access.acting_part(session, caller, reference)
    if part is None:
        raise CaseNotFound(reference)
    if not moved:
        raise StaleCase(reference)
    group = await repository.case_group(session, reference, for_update=True)
    assert group is not None
    return group, part


def _check(change: StatusChange) -> None:
    if change.status in lifecycle.NEEDS_REASON and not (change.reason and change.reason.strip()):
        raise InvalidChange("reason", f"A case found {change.status} needs a reason")
    if change.status in lifecycle.NEEDS_OUTCOME and change.outcome is None:
        raise InvalidChange("outcome", "A resolution needs an outcome")
    if change.status not in lifecycle.NEEDS_OUTCOME and change.outcome is not None:
        raise InvalidChange("outcome", "Only a resolution has an outcome")
    if change.status == S.TRANSFERRED:
        raise InvalidChange("status", "A transfer goes through the case's transfer, with a reason")


async def _apply(
    session: AsyncSession,
    sealer: Sealer,
    part: CasePart,
    before: PartState,
    after: PartState,
    change: StatusChange,
    now: datetime,
) -> None:
    """Record the step on the part, its pause, its entry and its event."""
    part.status, part.paused_from = after.status, after.paused_from
    if change.handler is not None:
        part.handler = change.handler
    resumed = lifecycle.is_resumption(before, after)
    if after.status == S.AWAITING_COMPLAINANT:
        assert part.id is not None
        session.add(PartPause(part_id=part.id, started_at=now))
    elif resumed:
        await _end_pause(session, part, now)
    elif after.status == S.ACKNOWLEDGED:
        part.acknowledged_at = now
    elif after.status in (S.ADMISSIBLE, S.INADMISSIBLE):
        part.admissibility_decided_at, part.admissible = now, after.status == S.ADMISSIBLE
    elif after.status == S.RESOLVED:
        part.resolved_at = now
    elif after.status == S.CLOSED:
        part.ended_at = now
    if after.status in lifecycle.NEEDS_REASON:
        part.outcome = change.outcome.value if change.outcome else None
        seal_reason(sealer, part, change.reason)
    happened = (
        timeline.resolved(part.institution_name, change.outcome)
        if after.status == S.RESOLVED and change.outcome
        else timeline.stepped(part.institution_name, after.status, resumed=resumed)
    )
    await add_entry(
        session,
        reference=part.reference,
        at=now,
        kind="resumed" if resumed else after.status.value,
        actor=part.institution_id,
        happened=happened,
        note=change.reason,
        sealer=sealer,
    )
    fields = {
        "reference": part.reference,
        "institution_id": part.institution_id,
        "status": after.status,
        "previous_status": before.status,
        "at": now,
    }
    if resumed:
        _announce(session, CaseResumed(**fields))
    elif after.status == S.RESOLVED and change.outcome:
        _announce(session, CaseResolved(**fields, outcome=change.outcome))
    else:
        _announce(session, _STEP_EVENTS[after.status](**fields))


async def open_part(
    session: AsyncSession, group: CaseGroup, institution_id: str, role: str, now: datetime
) -> CasePart:
    """Open an institution's part, routed, with the promises decisions said it makes; its
    clocks run from `now`."""
    known = await repository.known_institution(session, institution_id, group.language)
    part = CasePart(
        reference=group.reference,
        institution_id=institution_id,
        # An institution no decision ever named is shown by its id until one does.
        institution_name=known.name if known else institution_id,
        role=role,
        status=S.ROUTED,
        opened_at=now,
        acknowledge_days=known.acknowledge_days if known else None,
        admissibility_days=known.admissibility_days if known else None,
        resolve_days=known.resolve_days if known else None,
        calendar=known.calendar if known else None,
        closing_days=known.closing_days if known else None,
    )
    refresh_due(part, [], group.respondent_territory, today=now.date())
    session.add(part)
    return part


async def _open_elsewhere(
    session: AsyncSession,
    group: CaseGroup,
    leaving: CasePart,
    target: str,
    reason: str,
    sealer: Sealer,
    now: datetime,
) -> None:
    """Open the named institution's part in the place of the one leaving, with the same role."""
    part = await open_part(session, group, target, leaving.role, now)
    if group.lead_institution_id == leaving.institution_id:
        group.lead_institution_id = target
    await add_entry(
        session,
        reference=group.reference,
        at=now,
        kind=S.TRANSFERRED.value,
        actor=leaving.institution_id,
        happened=timeline.transferred(leaving.institution_name, part.institution_name),
        note=reason,
        sealer=sealer,
    )
    _announce(
        session,
        CaseTransferred(
            reference=group.reference,
            from_institution_id=leaving.institution_id,
            to_institution_id=target,
            at=now,
        ),
    )


async def _return_to_routing(
    session: AsyncSession,
    group: CaseGroup,
    leaving: CasePart,
    reason: str,
    sealer: Sealer,
    now: datetime,
) -> None:
    """Hand the part back with the complaint's facts, for routing to decide again."""
    if group.lead_institution_id == leaving.institution_id:
        group.lead_institution_id = None
    await add_entry(
        session,
        reference=group.reference,
        at=now,
        kind=S.TRANSFERRED.value,
        actor=leaving.institution_id,
        happened=timeline.transferred(leaving.institution_name, None),
        note=reason,
        sealer=sealer,
    )
    _announce(
        session,
        CaseTransferred(
            reference=group.reference,
            from_institution_id=leaving.institution_id,
            facts=facts_of(group),
            taking_part=await _still_taking_part(session, group.reference),
            at=now,
        ),
    )


async def _still_taking_part(session: AsyncSession, reference: str) -> list[str]:
    """The institutions whose parts go on: routing keeps them when it decides again."""
    await session.flush()
    return [
        part.institution_id
        for part in await repository.parts(session, reference)
        if part.status not in lifecycle.FINAL
    ]


async def _pauses(session: AsyncSession, part: CasePart) -> list[PartPause]:
    assert part.id is not None
    await session.flush()
    return (await repository.pauses(session, [part.id]))[part.id]


async def _end_pause(session: AsyncSession, part: CasePart, now: datetime) -> None:
    for pause in await _pauses(session, part):
        if pause.ended_at is None:
            pause.ended_at = now


def _announce(session: AsyncSession, event: CaseStepTaken | CaseTransferred | CaseOpened) -> None:
    add_event(session, event, source=SOURCE, subject=event.reference)


async def _read(
    db: Database, sealer: Sealer, caller: Principal, reference: str, now: datetime
) -> Changed:
    seen = await case_for(db, sealer, caller, reference, now)
    if seen is None:  # withdrawn from the caller between the change and this read
        raise CaseNotFound(reference)
    return seen.view, seen.version
