"""Queries over webhook endpoints, their attempts and their deliveries; the caller commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, delete, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.models import Delivery, WebhookAttempt, WebhookEndpoint

WEBHOOK = "webhook"


async def endpoints_of(session: AsyncSession, owner_id: str) -> list[WebhookEndpoint]:
    """An owner's endpoints, oldest first."""
    return list(
        (
            await session.scalars(
                select(WebhookEndpoint)
                .where(col(WebhookEndpoint.owner_id) == owner_id)
                .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
            )
        ).all()
    )


async def endpoint(session: AsyncSession, endpoint_id: str) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id)


async def owned_endpoint(
    session: AsyncSession, owner_id: str, endpoint_id: str
) -> WebhookEndpoint | None:
    """The endpoint when `owner_id` owns it; None for a missing one and another's alike."""
    found = await session.get(WebhookEndpoint, endpoint_id)
    return found if found is not None and found.owner_id == owner_id else None


def add_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    session.add(endpoint)


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its attempt log; its deliveries stay, and fail when their turn comes."""
    await session.execute(
        delete(WebhookAttempt).where(col(WebhookAttempt.endpoint_id) == endpoint.id)
    )
    await session.delete(endpoint)


def add_attempt(session: AsyncSession, attempt: WebhookAttempt) -> None:
    session.add(attempt)


async def delivery(session: AsyncSession, endpoint_id: str, delivery_id: str) -> Delivery | None:
    """One delivery made for this endpoint."""
    found = await session.get(Delivery, delivery_id)
    if found is None or found.channel != WEBHOOK or found.recipient != endpoint_id:
        return None
    return found


async def deliveries_page(
    session: AsyncSession, endpoint_id: str, *, after: Delivery | None, limit: int
) -> list[Delivery]:
    """Up to `limit` deliveries for the endpoint, newest first, those older than `after` only."""
    query = select(Delivery).where(
        col(Delivery.channel) == WEBHOOK, col(Delivery.recipient) == endpoint_id
    )
    if after is not None:
        query = query.where(
            or_(
                col(Delivery.created_at) < after.created_at,
                and_(col(Delivery.created_at) == after.created_at, col(Delivery.id) < after.id),
            )
        )
    query = query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(limit)
    return list((await session.scalars(query)).all())


async def deliveries_between(
    session: AsyncSession,
    endpoint_id: str,
    since: datetime,
    until: datetime | None,
    statuses: Collection[str],
) -> list[Delivery]:
    """The endpoint's deliveries made in [since, until] that are in one of `statuses`."""
    query = select(Delivery).where(
        col(Delivery.channel) == WEBHOOK,
        col(Delivery.recipient) == endpoint_id,
        col(Delivery.created_at) >= since,
        col(Delivery.status).in_(list(statuses)),
    )
    if until is not None:
        query = query.where(col(Delivery.created_at) <= until)
    return list((await session.scalars(query.order_by(col(Delivery.created_at)))).all())


async def attempts_for(
    session: AsyncSession, delivery_ids: Collection[str]
) -> list[WebhookAttempt]:
    """Every attempt at these deliveries, oldest first."""
    if not delivery_ids:
        return []
    return list(
        (
            await session.scalars(
                select(WebhookAttempt)
                .where(col(WebhookAttempt.delivery_id).in_(list(delivery_ids)))
                .order_by(col(WebhookAttempt.attempted_at), col(WebhookAttempt.id))
            )
        ).all()
    )
