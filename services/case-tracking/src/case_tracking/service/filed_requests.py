"""The cases the Open311 facade shows an institution's client: those it filed through Open311
and those it has a part in, told by their progress alone.

Nothing sealed is read and nothing is opened: the facade shows codes, instants and promised days,
never what the complaint says nor who made it.
"""

from __future__ import annotations

from datetime import date, datetime

from case_tracking import repository
from case_tracking.models import CasePart, PartPause
from case_tracking.repository import filed_requests
from case_tracking.repository.filed_requests import FiledCase
from case_tracking.service import Database
from case_tracking.service.access import READ_SCOPE
from case_tracking.service.deadlines import part_promises
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import FiledRequest, FiledRequestFilters
from nowrongdoor.contracts.routing import InstitutionSummary


async def filed_requests_for(
    db: Database,
    caller: Principal,
    institution_id: str,
    *,
    filters: FiledRequestFilters,
    now: datetime,
    limit: int,
) -> list[FiledRequest]:
    """Up to `limit` of `institution_id`'s cases, newest received first; for anyone but that
    institution's own client reading cases, none, as if it had none."""
    if not _reads_for(caller, institution_id):
        return []
    async with db.sessions() as session:
        cases = await filed_requests.filed_page(
            session, institution_id, filters=filters, limit=limit
        )
        references = [case.reference for case in cases]
        parts = await filed_requests.active_parts(session, references)
        pauses = await repository.pauses(
            session, (part.id for found in parts.values() for part in found if part.id)
        )
        updated = await filed_requests.last_entries(session, references)
    return [
        _described(case, parts[case.reference], pauses, updated.get(case.reference), now)
        for case in cases
    ]


def _reads_for(caller: Principal, institution_id: str) -> bool:
    """The facade answers an institution's own API client; unlike the institution's list, not
    the operator, who has no Open311 client."""
    return (
        caller.kind == "institution"
        and caller.institution_id == institution_id
        and READ_SCOPE in caller.scopes
    )


def _described(
    case: FiledCase,
    parts: list[CasePart],
    pauses: dict[int, list[PartPause]],
    updated_at: datetime | None,
    now: datetime,
) -> FiledRequest:
    return FiledRequest.model_validate(
        {
            "reference": case.reference,
            "status": case.status,
            "category": case.category,
            "institutions": [_summary(part) for part in parts],
            "received_at": case.received_at,
            "updated_at": updated_at or case.received_at,
            "expected": _expected(case, parts, pauses, now),
        }
    )


def _summary(part: CasePart) -> InstitutionSummary:
    return InstitutionSummary.model_validate(
        {
            "institution_id": part.institution_id,
            "name": part.institution_name,
            "office_id": part.office_id,
            "office_name": part.office_name,
            "role": part.role,
        }
    )


def _expected(
    case: FiledCase, parts: list[CasePart], pauses: dict[int, list[PartPause]], now: datetime
) -> date | None:
    """The earliest day an active part promised a step it has not taken, its clock running."""
    return min(
        (
            promise.due
            for part in parts
            for promise in part_promises(
                part, pauses.get(part.id or 0, []), case.respondent_territory, now=now
            )
            if promise.due is not None and promise.met_on is None and not promise.paused
        ),
        default=None,
    )
