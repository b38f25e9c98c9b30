"""The triage desk's queue: the cases waiting for an institution's decision on competence."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from case_tracking.api.dependencies import Cursor, InstitutionId, Limit, answer, refusals
from case_tracking.service import reading
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.cases import InstitutionCasePage
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["triage"], dependencies=[Depends(internal_principal)])


@router.get("/triage", responses={422: answer("The cursor is not one this queue handed out")})
async def triage_queue(
    runtime: RuntimeDep,
    caller: CallerDep,
    institution_id: InstitutionId,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> InstitutionCasePage:
    """The cases waiting for this institution's triage decision, newest first; another
    institution's queue looks empty."""
    with refusals():
        return await reading.triage_queue(
            runtime, caller, institution_id, limit=limit, after=cursor
        )
