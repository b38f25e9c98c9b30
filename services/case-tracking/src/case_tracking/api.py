"""Case tracking's internal HTTP API, called by the gateway only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path

from case_tracking import domain
from nowrongdoor.auth import internal_principal
from nowrongdoor.contracts import CaseView
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import ProblemError
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["cases"], dependencies=[Depends(internal_principal)])


@router.get("/cases/{reference}")
async def get_case(
    runtime: RuntimeDep, reference: str = Path(pattern=REFERENCE_PATTERN)
) -> CaseView:
    async with runtime.sessions() as session:
        view = await domain.case_view(session, reference)
    if view is None:
        raise ProblemError(404, "No case with this reference yet.")
    return view
