"""The decisions made about a complaint: the one in force, and every one in order."""

from __future__ import annotations

from fastapi import APIRouter

from nowrongdoor.problems import ProblemError
from nowrongdoor.runtime import RuntimeDep
from routing import service
from routing.api.dependencies import Reference
from routing.schemas import DecisionPublic

router = APIRouter(prefix="/decisions")

NO_DECISION = "No decision for this reference."


@router.get("/{reference}")
async def get_decision(runtime: RuntimeDep, reference: Reference) -> DecisionPublic:
    """The current decision: the latest made about this reference."""
    record = await service.current_decision(runtime.sessions, reference)
    if record is None:
        raise ProblemError(404, NO_DECISION)
    return DecisionPublic.model_validate(record, from_attributes=True)


@router.get("/{reference}/history")
async def get_decision_history(runtime: RuntimeDep, reference: Reference) -> list[DecisionPublic]:
    """Every decision made about this reference, the engine's first."""
    records = await service.decision_history(runtime.sessions, reference)
    if not records:
        raise ProblemError(404, NO_DECISION)
    return [DecisionPublic.model_validate(r, from_attributes=True) for r in records]
