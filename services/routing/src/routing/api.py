"""Routing's internal HTTP API: the registry and the decisions, read-only for now."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from sqlmodel import col, select

from nowrongdoor.auth import internal_principal
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import ProblemError
from nowrongdoor.runtime import RuntimeDep
from routing.domain import Registry
from routing.models import RoutingDecision
from routing.schemas import DecisionPublic, InstitutionPublic, OfficePublic

router = APIRouter(prefix="/internal", tags=["routing"], dependencies=[Depends(internal_principal)])


@router.get("/institutions")
async def list_institutions(request: Request) -> list[InstitutionPublic]:
    registry: Registry = request.app.state.registry
    return [
        InstitutionPublic(
            institution_id=institution.id,
            name=institution.name("official"),
            territory=institution.territory,
            languages=list(institution.languages),
            offices=[
                OfficePublic(
                    office_id=office.id,
                    name=office.name("official"),
                    territories=sorted(office.territories),
                )
                for office in institution.offices
            ],
        )
        for institution in sorted(registry.institutions.values(), key=lambda i: i.id)
    ]


@router.get("/decisions/{reference}")
async def get_decision(
    runtime: RuntimeDep, reference: str = Path(pattern=REFERENCE_PATTERN)
) -> DecisionPublic:
    async with runtime.sessions() as session:
        record = (
            await session.scalars(
                select(RoutingDecision).where(col(RoutingDecision.reference) == reference)
            )
        ).first()
    if record is None:
        raise ProblemError(404, "No decision for this reference.")
    return DecisionPublic.model_validate(record, from_attributes=True)
