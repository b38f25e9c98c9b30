"""Who may read a case and what of it, and which part an institution acts on.

Everybody else is told the case does not exist: the complainant holding the receipt, the NGO
that relayed the alert (which reads what the complainant reads), an institution with a part, the
triage desk while the case waits for it, an institution asked to take part until it answers, and
the operator are the only readers; only an institution with an active part writes as an
institution, and the relaying NGO writes for the complainant's side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain.messages import Reader
from case_tracking.models import CaseGroup, CasePart
from case_tracking.service.relays import relay_rights
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.vocabulary import CaseStatus

READ_SCOPE = "cases:read"
WRITE_SCOPE = "cases:write"


@dataclass(frozen=True)
class Viewer:
    """What one reader is shown of a case."""

    sees_parts: bool
    messages: Reader | None
    """Whose messages the reader reads; None for a reader who reads none."""
    audited: bool = False
    """Staff reads of messages are written to the audit log."""
    invited: str | None = None
    """The institution asked to take part, reading before it answers: its invitation alone."""
    notices: str | None = None
    """Whose notices (what was sent to whom) the timeline shows: `complainant`, an institution
    id, or `*` for every one; None for none."""
    complainant: bool = False
    """The complainant reads the case in its own language unless asking for another."""


COMPLAINANT = Viewer(
    sees_parts=False, messages=Reader.complainant(), notices="complainant", complainant=True
)
OPERATOR = Viewer(sees_parts=True, messages=None, notices="*")
TRIAGE_DESK = Viewer(sees_parts=False, messages=None)
RELAYING_NGO = Viewer(sees_parts=False, messages=Reader.complainant(), notices="complainant")
"""The NGO that relayed an alert stands for the person: it reads what they would, no more."""


async def viewer(
    session: AsyncSession,
    caller: Principal,
    group: CaseGroup,
    now: datetime,
    *,
    parts: Sequence[CasePart] | None = None,
) -> Viewer | None:
    """How `caller` sees `group` at `now`; None when it may not see it at all. `parts`, when
    given, are all the group's parts, read already, in the order they were opened."""
    if caller.may_open_as_complainant(group.reference):
        return COMPLAINANT
    if caller.kind == "admin":
        return OPERATOR
    if await relay_rights(session, caller, group, READ_SCOPE, now):
        return RELAYING_NGO
    if caller.kind != "institution" or caller.institution_id is None:
        return None
    if READ_SCOPE not in caller.scopes:
        return None
    if parts is None:
        part = await repository.part_of(session, group.reference, caller.institution_id)
    else:
        part = next((p for p in parts if p.institution_id == caller.institution_id), None)
    if part is not None:
        # An institution that handed the case on sees where it went, no longer what is said.
        reads = Reader.institution(part.institution_id) if _active(part) else None
        return Viewer(sees_parts=True, messages=reads, audited=True, notices=part.institution_id)
    if group.status == CaseStatus.TRIAGE and group.triage_institution_id == caller.institution_id:
        return TRIAGE_DESK
    if await repository.pending_invitation(session, group.reference, caller.institution_id):
        return invited(caller.institution_id)
    return None


def invited(institution_id: str) -> Viewer:
    """An institution asked to take part reads the case to decide, without its messages."""
    return Viewer(sees_parts=True, messages=None, invited=institution_id)


async def acting_part(session: AsyncSession, caller: Principal, reference: str) -> CasePart | None:
    """The part `caller` may move on in this case: its institution's, with the write scope."""
    if caller.kind != "institution" or caller.institution_id is None:
        return None
    if WRITE_SCOPE not in caller.scopes:
        return None
    return await repository.part_of(session, reference, caller.institution_id)


async def writing_part(session: AsyncSession, caller: Principal, reference: str) -> CasePart | None:
    """The active part `caller` writes messages from; None for everybody else."""
    part = await acting_part(session, caller, reference)
    return part if part is not None and _active(part) else None


def _active(part: CasePart) -> bool:
    return part.status != CaseStatus.TRANSFERRED


async def audit_staff_read(
    session: AsyncSession,
    caller: Principal,
    reference: str,
    *,
    action: str,
    detail: str,
    at: datetime,
) -> None:
    """Write down, and commit, that institution staff read personal data of the case."""
    repository.add_audit_entry(
        session,
        at=at,
        client_id=caller.client_id,
        kind=caller.kind,
        institution_id=caller.institution_id,
        action=action,
        reference=reference,
        detail=detail,
    )
    await session.commit()
