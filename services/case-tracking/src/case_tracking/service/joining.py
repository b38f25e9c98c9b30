"""Joint cases: an institution asks another to take part, the one asked answers, a part leaves.

Each names the version of the case it was decided on, which moves on first in the transaction,
as every change of a case does (see `lifecycle`). Each writes its timeline entry and its event;
taking part opens the new institution's part and announces `case.opened` for it, as a transfer
does, so notifications tell it and intake lets it read the complaint. The rules are
`domain.joining`'s.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain import joining, timeline
from case_tracking.domain.joining import AlreadyInvited
from case_tracking.models import CaseGroup, CaseInvitation, CasePart
from case_tracking.service import SOURCE, Database, access
from case_tracking.service.deadlines import claim_breaches
from case_tracking.service.errors import (
    AlreadyTakingPart,
    CaseFinished,
    CaseNotFound,
    InvalidChange,
    StaleCase,
)
from case_tracking.service.lifecycle import (  # the version claim every change shares
    _claim,
    open_part,
)
from case_tracking.service.reading import case_for, view_as
from case_tracking.service.recording import add_entry, settle_status
from case_tracking.service.sealing import invitation_context
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, Invitation, InvitationAnswer, Leaving
from nowrongdoor.contracts.events import (
    CaseInvitationAnswered,
    CaseInvitationSent,
    CaseOpened,
    CasePartLeft,
)
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.crypto import Sealer
from nowrongdoor.outbox import add_event

S = CaseStatus
FINISHED = frozenset({S.CLOSED, S.WITHDRAWN})
"""A case in one of these takes nobody new."""

Changed = tuple[CaseView, int]


async def invite(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    invitation: Invitation,
    *,
    version: int,
    now: datetime,
) -> Changed:
    """The caller's institution asks another to take part; the case as it then reads."""
    async with db.transaction() as session:
        group, part = await _claim(session, caller, reference, version)
        if group.status in FINISHED:
            raise CaseFinished(reference)
        joining.check_inviter(part.status)
        target = invitation.institution_id
        if await repository.part_of(session, reference, target):
            raise AlreadyTakingPart(target)  # itself included
        if await repository.pending_invitation(session, reference, target):
            raise AlreadyInvited(target)
        known = await repository.known_institution(session, target, group.language)
        asked = CaseInvitation(
            id=f"i-{secrets.token_hex(8)}",
            reference=reference,
            institution_id=target,
            invited_by=part.institution_id,
            sealed_reason="",
            at=now,
        )
        asked.sealed_reason = sealer.seal(invitation.reason, invitation_context(asked, "reason"))
        session.add(asked)
        group.updated_at = now
        await add_entry(
            session,
            reference=reference,
            at=now,
            kind="invited",
            actor=part.institution_id,
            # An institution no decision ever named is shown by its id until one does.
            happened=timeline.invited(part.institution_name, known.name if known else target),
        )
        _announce(
            session,
            CaseInvitationSent(
                reference=reference,
                invitation_id=asked.id,
                from_institution_id=part.institution_id,
                institution_id=target,
                at=now,
            ),
        )
    return await _read(db, sealer, caller, reference, now)


async def answer(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    given: InvitationAnswer,
    *,
    version: int,
    now: datetime,
) -> Changed:
    """The institution asked takes its part, or declines with a reason.

    Accepted, the case reads as it does for any institution taking part. Declined, the answer
    is the case as the institution read it while asked, with its answer, one last time: from
    then on the case does not exist for it.
    """
    reason = (given.reason or "").strip() or None
    if not given.accept and reason is None:
        raise InvalidChange("reason", "Say why the institution declines to take part")
    async with db.transaction() as session:
        group, asked = await _claim_invitation(session, caller, reference, version)
        asked.answered_at = now
        group.updated_at = now
        if given.accept:
            await _take_part(session, group, asked, now)
        else:
            await _decline(session, sealer, group, asked, reason or "", now)
        _announce(
            session,
            CaseInvitationAnswered(
                reference=reference,
                invitation_id=asked.id,
                from_institution_id=asked.invited_by,
                institution_id=asked.institution_id,
                accepted=given.accept,
                at=now,
            ),
        )
        if not given.accept:
            await session.flush()
            view = await view_as(session, sealer, group, access.invited(asked.institution_id), now)
            return view, group.version
    return await _read(db, sealer, caller, reference, now)


async def leave(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    leaving: Leaving,
    *,
    version: int,
    now: datetime,
) -> Changed:
    """The caller's institution leaves a case others take part in; its part ends `transferred`.

    If it led, the oldest part still taking part leads. The case's status is derived again from
    the parts that stay.
    """
    async with db.transaction() as session:
        group, part = await _claim(session, caller, reference, version)
        parts = await repository.parts(session, reference)
        joining.check_leaving(part.institution_id, [(p.institution_id, p.status) for p in parts])
        assert part.id is not None
        pauses = (await repository.pauses(session, [part.id]))[part.id]
        await claim_breaches(session, part, pauses, group.respondent_territory, now)
        for pause in pauses:
            if pause.ended_at is None:
                pause.ended_at = now
        part.status, part.paused_from, part.ended_at, part.due_on = S.TRANSFERRED, None, now, None
        _hand_on_the_lead(group, part, parts)
        group.updated_at = now
        await add_entry(
            session,
            reference=reference,
            at=now,
            kind="left",
            actor=part.institution_id,
            happened=timeline.left(part.institution_name),
            note=leaving.reason,
            sealer=sealer,
        )
        _announce(
            session,
            CasePartLeft(
                reference=reference,
                institution_id=part.institution_id,
                lead_institution_id=group.lead_institution_id,
                at=now,
            ),
        )
        await settle_status(session, group, now)
    return await _read(db, sealer, caller, reference, now)


async def _claim_invitation(
    session: AsyncSession, caller: Principal, reference: str, version: int
) -> tuple[CaseGroup, CaseInvitation]:
    """Move the version on if it is still `version`, then find the caller's open invitation.

    As for a part: without one the case does not exist for the caller, whatever the version.
    """
    moved = await repository.move_version(session, reference, version)
    asked = None
    if (
        caller.kind == "institution"
        and caller.institution_id is not None
        and access.WRITE_SCOPE in caller.scopes
    ):
        asked = await repository.pending_invitation(session, reference, caller.institution_id)
    if asked is None:
        raise CaseNotFound(reference)
    if not moved:
        raise StaleCase(reference)
    group = await repository.case_group(session, reference, for_update=True)
    assert group is not None
    return group, asked


async def _take_part(
    session: AsyncSession, group: CaseGroup, asked: CaseInvitation, now: datetime
) -> None:
    """Open the institution's own part, associated, its clocks running from now."""
    if group.status in FINISHED:
        raise CaseFinished(group.reference)
    if await repository.part_of(session, group.reference, asked.institution_id):
        raise AlreadyTakingPart(asked.institution_id)  # a transfer named it meanwhile
    part = await open_part(session, group, asked.institution_id, joining.JOINED_ROLE, now)
    asked.status = joining.ACCEPTED
    await add_entry(
        session,
        reference=group.reference,
        at=now,
        kind="joined",
        actor=asked.institution_id,
        happened=timeline.joined(part.institution_name),
    )
    # A part at `routed` may hold the whole case back: the case stands where its slowest part is.
    await settle_status(session, group, now)
    _announce(
        session,
        CaseOpened.model_validate(
            {
                "reference": group.reference,
                "status": group.status,
                "institution_ids": [asked.institution_id],
                "lead_institution_id": group.lead_institution_id,
                "language": group.language,
                "opened_at": now,
                "received_by": None,
            }
        ),
    )


async def _decline(
    session: AsyncSession,
    sealer: Sealer,
    group: CaseGroup,
    asked: CaseInvitation,
    reason: str,
    now: datetime,
) -> None:
    """Close the invitation with its reason, sealed, for the institutions; the complainant's
    timeline says only that it will not take part."""
    asked.status = joining.DECLINED
    asked.sealed_decline_reason = sealer.seal(reason, invitation_context(asked, "decline-reason"))
    known = await repository.known_institution(session, asked.institution_id, group.language)
    await add_entry(
        session,
        reference=group.reference,
        at=now,
        kind="declined",
        actor=asked.institution_id,
        happened=timeline.declined(known.name if known else asked.institution_id),
    )


def _hand_on_the_lead(group: CaseGroup, leaving: CasePart, parts: list[CasePart]) -> None:
    lead = group.lead_institution_id
    if lead is None and leaving.role == "lead":
        lead = leaving.institution_id
    after = joining.lead_after(
        leaving.institution_id, lead, [(p.institution_id, p.status) for p in parts]
    )
    if after == lead:
        return
    group.lead_institution_id = after
    for part in parts:
        if part.institution_id == after:
            part.role = "lead"


def _announce(
    session: AsyncSession,
    event: CaseInvitationSent | CaseInvitationAnswered | CasePartLeft | CaseOpened,
) -> None:
    add_event(session, event, source=SOURCE, subject=event.reference)


async def _read(
    db: Database, sealer: Sealer, caller: Principal, reference: str, now: datetime
) -> Changed:
    seen = await case_for(db, sealer, caller, reference, now)
    if seen is None:  # changed for the caller between the change and this read
        raise CaseNotFound(reference)
    return seen.view, seen.version
