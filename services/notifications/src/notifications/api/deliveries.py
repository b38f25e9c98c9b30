"""Notifications' internal HTTP API: the deliveries owed for a case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from notifications.service import reading
from nowrongdoor.auth import internal_principal
from nowrongdoor.contracts.notifications import Delivery
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(
    prefix="/internal", tags=["deliveries"], dependencies=[Depends(internal_principal)]
)


@router.get("/deliveries")
async def list_deliveries(
    runtime: RuntimeDep, reference: Annotated[str, Query(pattern=REFERENCE_PATTERN)]
) -> list[Delivery]:
    return await reading.deliveries_for(runtime.sessions, reference)
