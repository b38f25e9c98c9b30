"""The deliveries owed for a case, as the internal API shows them."""

from __future__ import annotations

from notifications.repository import deliveries as repository
from nowrongdoor.contracts.notifications import Delivery as DeliveryView
from nowrongdoor.db import SessionMaker


async def deliveries_for(sessions: SessionMaker, reference: str) -> list[DeliveryView]:
    """Every delivery owed for the case under `reference`, oldest first."""
    async with sessions() as session:
        deliveries = await repository.deliveries_for(session, reference)
    return [DeliveryView.model_validate(d, from_attributes=True) for d in deliveries]
