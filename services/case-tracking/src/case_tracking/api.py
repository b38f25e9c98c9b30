"""Case tracking's internal HTTP API, called by the gateway only, for a verified principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from case_tracking import service
from case_tracking.domain.cursor import BadCursor
from nowrongdoor.arrivals import Arrivals
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.cases import CaseView, InstitutionCasePage
from nowrongdoor.contracts.vocabulary import INSTITUTION_ID_PATTERN
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import FieldProblem, ProblemError
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["cases"], dependencies=[Depends(internal_principal)])

NOT_FOUND = "No case with this reference for this caller."


@router.get("/cases/{reference}")
async def get_case(
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    reference: Annotated[str, Path(pattern=REFERENCE_PATTERN)],
) -> CaseView:
    """The complainant (receipt verified by the gateway) or an institution with a part."""

    async def look() -> CaseView | None:
        return await service.case_for(runtime.sessions, caller, reference)

    if caller.may_open_as_complainant(reference):
        # The receipt was right, so the complaint exists: its case may be a moment away.
        arrivals: Arrivals = request.app.state.arrivals
        view = await arrivals.until(reference, look, within=request.app.state.received_wait)
    else:
        view = await look()
    if view is None:
        raise ProblemError(404, NOT_FOUND)
    return view


@router.get("/cases")
async def list_cases(
    runtime: RuntimeDep,
    caller: CallerDep,
    institution_id: Annotated[str, Query(pattern=INSTITUTION_ID_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> InstitutionCasePage:
    """An institution's own cases; another institution's list looks like an empty one."""
    try:
        return await service.institution_cases(
            runtime.sessions, caller, institution_id, limit=limit, after=cursor
        )
    except BadCursor as error:
        raise ProblemError(
            422,
            "1 field is invalid",
            errors=[FieldProblem(field="cursor", message="Not a cursor this list handed out")],
        ) from error
