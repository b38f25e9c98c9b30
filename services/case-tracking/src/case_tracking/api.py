"""Case tracking's internal HTTP API, called by the gateway only, for a verified principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from case_tracking import domain, views
from nowrongdoor.auth import CallerDep, Principal, internal_principal
from nowrongdoor.contracts.cases import CaseView, InstitutionCasePage
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["cases"], dependencies=[Depends(internal_principal)])

NOT_FOUND = "No case with this reference for this caller."


async def _may_read(runtime: RuntimeDep, caller: Principal, reference: str) -> bool:
    if caller.kind == "admin":
        return True
    if caller.kind == "public":
        return caller.may_open_as_complainant(reference)
    if caller.institution_id is None:
        return False
    async with runtime.sessions() as session:
        return await views.has_part(session, reference, caller.institution_id)


@router.get("/cases/{reference}")
async def get_case(
    runtime: RuntimeDep,
    caller: CallerDep,
    reference: Annotated[str, Path(pattern=REFERENCE_PATTERN)],
) -> CaseView:
    """The complainant (receipt verified by the gateway) or an institution with a part."""
    if not await _may_read(runtime, caller, reference):
        raise ProblemError(404, NOT_FOUND)
    async with runtime.sessions() as session:
        view = await domain.case_view(session, reference)
    if view is None:
        raise ProblemError(404, NOT_FOUND)
    return view


@router.get("/cases")
async def list_cases(
    runtime: RuntimeDep,
    caller: CallerDep,
    institution_id: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> InstitutionCasePage:
    """An institution's own cases; another institution's list looks like an empty one."""
    if caller.kind != "admin" and caller.institution_id != institution_id:
        return InstitutionCasePage(items=[])
    try:
        async with runtime.sessions() as session:
            return await views.institution_cases(
                session, institution_id, limit=limit, cursor=cursor
            )
    except views.BadCursor as error:
        raise ProblemError(
            422,
            "1 field is invalid",
            errors=[FieldProblem(field="cursor", message="Not a cursor this list handed out")],
        ) from error
