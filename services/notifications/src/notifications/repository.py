"""Queries over notifications' own tables; the caller's transaction commits, never this module."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.models import Delivery


def add_deliveries(session: AsyncSession, deliveries: Iterable[Delivery]) -> None:
    session.add_all(deliveries)


async def deliveries_for(session: AsyncSession, reference: str) -> list[Delivery]:
    return list(
        (
            await session.scalars(
                select(Delivery)
                .where(col(Delivery.reference) == reference)
                .order_by(col(Delivery.created_at), col(Delivery.recipient))
            )
        ).all()
    )
