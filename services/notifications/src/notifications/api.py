"""Notifications' internal HTTP API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from notifications import domain
from notifications.schemas import DeliveryPublic
from nowrongdoor.auth import internal_principal
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(
    prefix="/internal", tags=["deliveries"], dependencies=[Depends(internal_principal)]
)


@router.get("/deliveries")
async def list_deliveries(
    runtime: RuntimeDep, reference: str = Query(pattern=REFERENCE_PATTERN)
) -> list[DeliveryPublic]:
    async with runtime.sessions() as session:
        deliveries = await domain.deliveries_for(session, reference)
    return [DeliveryPublic.model_validate(d, from_attributes=True) for d in deliveries]
