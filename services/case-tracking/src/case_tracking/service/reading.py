"""A case as each reader sees it, an institution's list of its cases, a triage desk's queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain import cursor, lifecycle, timeline
from case_tracking.domain.messages import readable
from case_tracking.models import CaseGroup, CaseMessage, CasePart, PartPause
from case_tracking.repository import listing
from case_tracking.repository.listing import ListedCase, ListFilters
from case_tracking.service import Database, attachments
from case_tracking.service.access import (
    OPERATOR,
    RELAYING_NGO,
    Viewer,
    audit_staff_read,
    viewer,
)
from case_tracking.service.deadlines import (
    institution_day,
    institution_next_day,
    part_promises,
    promise_calendar,
)
from case_tracking.service.forgetting import removal_notice
from case_tracking.service.recording import part_state
from case_tracking.service.sealing import (
    invitation_context,
    message_context,
    open_note,
    open_reason,
)
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import (
    Attachment,
    CaseView,
    InstitutionCase,
    InstitutionCasePage,
    InvitationView,
    Message,
    PromisedDate,
)
from nowrongdoor.contracts.cases import (
    CasePart as PartView,
)
from nowrongdoor.contracts.cases import TimelineEntry as TimelineView
from nowrongdoor.contracts.routing import InstitutionSummary
from nowrongdoor.contracts.vocabulary import CaseOutcome, CaseStatus, Language
from nowrongdoor.crypto import Sealer

READ_MESSAGES = "read-messages"

# The statuses in which a case has an outcome, or a reason, the complainant reads.
_CONCLUDED = frozenset(
    {CaseStatus.INADMISSIBLE, CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN}
)

# Readers answered afresh on every read: the relaying NGO reads only while its accreditation
# stands and has not expired, which no case event announces; and the operator.
_ASKED_EVERY_TIME = (RELAYING_NGO, OPERATOR)

# An answer showing no promised date holds until the case changes; a day bounds it all the same.
_WITHOUT_PROMISES = timedelta(days=1)


@dataclass(frozen=True)
class SeenCase:
    """A case as one reader sees it, its version, and until when that answer holds."""

    view: CaseView
    version: int
    reusable_until: datetime | None
    """Until when the same read gives the same answer, the case itself not changing; None when
    the answer must not be kept: the read was audited, or its reader is asked afresh each time."""


@dataclass(frozen=True)
class SeenPage:
    """A page of a list of cases, and until when that answer holds."""

    page: InstitutionCasePage
    reusable_until: datetime | None
    """Until when the same list gives the same page, none of the institution's cases changing;
    None when it must not be kept: an NGO's list, whose accreditation may lapse unannounced, or
    a reader always asked afresh."""


async def case_for(
    db: Database,
    sealer: Sealer,
    caller: Principal,
    reference: str,
    now: datetime,
    *,
    language: Language | None = None,
) -> SeenCase | None:
    """The case as `caller` may see it, its version, and until when that answer holds; None when
    there is none for them.

    The complainant holding the receipt sees it from the moment it was received; an institution
    once it has a part in it, or while it waits for its triage desk. A staff read of messages is
    audited before the messages are handed over, so its answer is never kept. The timeline reads
    in `language`; without one, in the case's own for the complainant and in English for
    everyone else.
    """
    async with db.sessions() as session:
        # Read at once: who may see the case depends on its parts, and the view shows them.
        found = await repository.case_to_read(session, reference)
        if found is None:
            return None
        group, parts, pauses = found
        seen_as = await viewer(session, caller, group, now, parts=parts)
        if seen_as is None:
            return None
        view = await _view(
            session, sealer, group, seen_as, now, language, parts=parts, pauses=pauses
        )
        audited = seen_as.audited and bool(view.messages)
        if audited:
            await audit_staff_read(
                session,
                caller,
                reference,
                action=READ_MESSAGES,
                detail=f"{len(view.messages)} messages",
                at=now,
            )
    if audited or seen_as in _ASKED_EVERY_TIME:
        return SeenCase(view, group.version, reusable_until=None)
    until = _reusable_until(parts, group.respondent_territory, now)
    return SeenCase(view, group.version, reusable_until=until)


def _reusable_until(parts: Sequence[CasePart], territory: str | None, now: datetime) -> datetime:
    """When the clock alone may change what the parts' promised dates say: the first midnight,
    after `now`, among the calendars they are judged on."""
    midnights = [
        calendar.next_day_start(now)
        for part in parts
        if (calendar := promise_calendar(part, territory)) is not None
    ]
    return min(midnights, default=now + _WITHOUT_PROMISES)


async def institution_cases(
    db: Database,
    caller: Principal,
    institution_id: str,
    *,
    filters: ListFilters,
    now: datetime,
    limit: int,
    after: str | None,
) -> SeenPage:
    """One page of the cases in which `institution_id` has a part, newest first; for an NGO's
    client, the cases whose alert it relayed. With it, until when that page holds.

    Another institution's list looks like an empty one; a cursor this service did not hand out
    raises `cursor.BadCursor`.
    """
    position = cursor.decode(after) if after is not None else None
    if caller.kind == "ngo":
        page = await _relayed_cases(db, caller, filters, now, limit, position)
        return SeenPage(page, reusable_until=None)
    if not _lists_for(caller, institution_id):
        return SeenPage(InstitutionCasePage(items=[]), reusable_until=None)
    # Without "overdue" only a change to one of the cases changes the page; a day bounds it.
    until = now + _WITHOUT_PROMISES
    async with db.sessions() as session:
        # Promised days are the institution's own: "overdue" is judged on its local day, and
        # only "overdue" needs it; the page holds until that day ends.
        today = now.date()
        if filters.overdue is not None:
            country = await repository.institution_calendar(session, institution_id)
            today = institution_day(country, now)
            until = institution_next_day(country, now)
        rows = await listing.institution_page(
            session,
            institution_id,
            filters=filters,
            today=today,
            after=position,
            limit=limit + 1,
        )
    items = [_listed(row) for row in rows]
    page = _page(items, limit, [(row.part_opened_at, row.reference) for row in rows])
    # An operator's list is asked afresh each time, as the operator's read of a case is.
    return SeenPage(page, reusable_until=until if caller.kind == "institution" else None)


async def _relayed_cases(
    db: Database,
    caller: Principal,
    filters: ListFilters,
    now: datetime,
    limit: int,
    position: tuple[datetime, str] | None,
) -> InstitutionCasePage:
    """The cases whose alert the calling NGO relayed, with the lead institution's part."""
    if caller.institution_id is None or "cases:read" not in caller.scopes:
        return InstitutionCasePage(items=[])
    async with db.sessions() as session:
        rows = await listing.relayed_page(
            session,
            caller.institution_id,
            filters=filters,
            today=now.date(),
            after=position,
            limit=limit + 1,
        )
    return _page([_listed(row) for row in rows], limit)


async def triage_queue(
    db: Database, caller: Principal, institution_id: str, *, limit: int, after: str | None
) -> InstitutionCasePage:
    """One page of the cases waiting for `institution_id`'s triage decision, newest first."""
    if not _lists_for(caller, institution_id):
        return InstitutionCasePage(items=[])
    position = cursor.decode(after) if after is not None else None
    async with db.sessions() as session:
        groups = await listing.triage_page(session, institution_id, after=position, limit=limit + 1)
    return _page([_listed(_awaiting_triage(group)) for group in groups], limit)


def _lists_for(caller: Principal, institution_id: str) -> bool:
    if caller.kind == "admin":
        return True
    return (
        caller.kind == "institution"
        and caller.institution_id == institution_id
        and "cases:read" in caller.scopes
    )


def _awaiting_triage(group: CaseGroup) -> ListedCase:
    """A case a triage desk lists: no institution has a part in it yet."""
    return ListedCase(
        reference=group.reference,
        status=group.status,
        language=group.language,
        opened_at=group.opened_at,
        part_status=group.status,
        role="lead",
        office_id=None,
        part_opened_at=group.opened_at,
    )


def _listed(row: ListedCase) -> InstitutionCase:
    return InstitutionCase.model_validate(
        {
            "reference": row.reference,
            "status": row.status,
            "part_status": row.part_status,
            "role": row.role,
            "office_id": row.office_id,
            "language": row.language,
            "opened_at": row.opened_at,
        }
    )


def _page(
    items: list[InstitutionCase],
    limit: int,
    positions: list[tuple[datetime, str]] | None = None,
) -> InstitutionCasePage:
    """The first `limit` items, and a cursor when more follow: the last item's position in the
    list's order, its case's opening unless `positions` gives each item's own."""
    shown = items[:limit]
    if len(items) <= limit:
        return InstitutionCasePage(items=shown)
    at, reference = (
        positions[limit - 1] if positions else (shown[-1].opened_at, shown[-1].reference)
    )
    return InstitutionCasePage(items=shown, next_cursor=cursor.encode(at, reference))


async def _view(
    session: AsyncSession,
    sealer: Sealer,
    group: CaseGroup,
    seen_as: Viewer,
    now: datetime,
    language: Language | None = None,
    *,
    parts: list[CasePart] | None = None,
    pauses: dict[int, list[PartPause]] | None = None,
) -> CaseView:
    """The case as `seen_as` sees it; `parts` and their `pauses` when the caller read them
    already."""
    reads_in = timeline.reading_language(language, group.language, complainant=seen_as.complainant)
    if parts is None or pauses is None:
        parts, pauses = await repository.parts_and_pauses(session, group.reference)
    entries = await repository.timeline(session, group.reference)
    active = sorted(
        (part for part in parts if part.status != CaseStatus.TRANSFERRED),
        key=lambda part: (part.role != "lead", part.id or 0),
    )
    concluded = _concluding_part(group, active)
    messages: list[CaseMessage] = []
    if seen_as.messages is not None:
        reader = seen_as.messages
        messages = [
            message
            for message in await repository.messages(session, group.reference)
            if readable(message.audience, message.institution_id, reader)  # type: ignore[arg-type]
        ]
    attached = await attachments.listed(session, [message.message_id for message in messages])
    return CaseView(
        reference=group.reference,
        status=group.status,
        institutions=[
            InstitutionSummary.model_validate(
                {
                    "institution_id": part.institution_id,
                    "name": part.institution_name,
                    "office_id": part.office_id,
                    "office_name": part.office_name,
                    "role": part.role,
                }
            )
            for part in active
        ],
        advice=group.advice,
        explanation=group.explanation,
        outcome=CaseOutcome(concluded.outcome) if concluded and concluded.outcome else None,
        outcome_reason=open_reason(sealer, concluded) if concluded else None,
        promised=[
            promised
            for part in active
            for promised in _promised(part, pauses.get(part.id or 0, []), group, now)
        ],
        messages=[_message(sealer, m, attached.get(m.message_id)) for m in messages],
        parts=[_part(sealer, part) for part in parts] if seen_as.sees_parts else None,
        invitations=await _invitations(session, sealer, group, seen_as),
        relayed_by=group.relayed_by if seen_as.sees_parts else None,
        timeline=[
            TimelineView(
                at=entry.at,
                kind=entry.kind,
                actor=entry.actor,
                summary=timeline.with_note(
                    timeline.told(entry.wording, entry.facts, reads_in, as_written=entry.summary),
                    open_note(sealer, entry),
                    reads_in,
                ),
            )
            for entry in entries
            if entry.visible_to is None or seen_as.notices in ("*", entry.visible_to)
        ],
    )


def _concluding_part(group: CaseGroup, active: list[CasePart]) -> CasePart | None:
    """The part whose outcome the whole case shows: the lead's, else the first one's."""
    if group.status not in _CONCLUDED:
        return None
    return next(
        (part for part in active if part.outcome or part.sealed_outcome_reason),
        None,
    )


def _promised(
    part: CasePart, pauses: list[PartPause], group: CaseGroup, now: datetime
) -> list[PromisedDate]:
    return [
        PromisedDate(
            institution_id=part.institution_id,
            standard=promise.standard,
            due=promise.due,
            met_on=promise.met_on,
            paused=promise.paused,
            # A step taken late broke its promise too.
            breached=promise.breached
            or (
                promise.due is not None
                and promise.met_on is not None
                and promise.met_on > promise.due
            ),
        )
        for promise in part_promises(part, pauses, group.respondent_territory, now=now)
    ]


def _part(sealer: Sealer, part: CasePart) -> PartView:
    return PartView.model_validate(
        {
            "institution_id": part.institution_id,
            "role": part.role,
            "status": part.status,
            "handler": part.handler,
            "outcome": part.outcome,
            "outcome_reason": open_reason(sealer, part),
            "allowed": lifecycle.allowed_steps(part_state(part)),
            "relay_accredited": part.relay_accredited,
        }
    )


async def view_as(
    session: AsyncSession, sealer: Sealer, group: CaseGroup, seen_as: Viewer, now: datetime
) -> CaseView:
    """The case as `seen_as` is shown it in their own language, read in the caller's own
    session or transaction."""
    return await _view(session, sealer, group, seen_as, now)


async def _invitations(
    session: AsyncSession, sealer: Sealer, group: CaseGroup, seen_as: Viewer
) -> list[InvitationView] | None:
    """The institutions asked to take part, for the institutions; one asked sees its own only."""
    if not seen_as.sees_parts:
        return None
    return [
        InvitationView.model_validate(
            {
                "id": invitation.id,
                "institution_id": invitation.institution_id,
                "invited_by": invitation.invited_by,
                "status": invitation.status,
                "at": invitation.at,
                "answered_at": invitation.answered_at,
                "reason": removal_notice(invitation.sealed_reason, "reason")
                or sealer.open(invitation.sealed_reason, invitation_context(invitation, "reason")),
                "decline_reason": sealer.open(
                    invitation.sealed_decline_reason,
                    invitation_context(invitation, "decline-reason"),
                )
                if invitation.sealed_decline_reason
                else None,
            }
        )
        for invitation in await repository.invitations(session, group.reference)
        if seen_as.invited in (None, invitation.institution_id)
    ]


def _message(
    sealer: Sealer, message: CaseMessage, attached: list[Attachment] | None = None
) -> Message:
    return Message.model_validate(
        {
            "id": message.message_id,
            "at": message.at,
            "author": message.author,
            "institution_id": message.institution_id,
            "relayed_by_ngo": message.relayed_by_ngo,
            "audience": message.audience,
            "body": removal_notice(message.sealed_body)
            or sealer.open(message.sealed_body, message_context(message)),
            "attachments": attached or [],
        }
    )
