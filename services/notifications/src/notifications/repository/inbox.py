"""Queries over notifications' inbox tables; the caller's transaction commits, never this module.

An institution's inbox is its deliveries on the `institution-inbox` channel, oldest first, in
the order (created_at, id) that its cursor and `up_to` follow. Its contacts are its mailboxes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.domain.planning import INSTITUTION_INBOX
from notifications.models import Delivery, InstitutionContact

Position = tuple[datetime, str]


def _inbox_of(institution_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Delivery.channel) == INSTITUTION_INBOX, col(Delivery.recipient) == institution_id
    )


def _after(position: Position) -> sa.ColumnElement[bool]:
    at, delivery_id = position
    return sa.or_(
        col(Delivery.created_at) > at,
        sa.and_(col(Delivery.created_at) == at, col(Delivery.id) > delivery_id),
    )


def _up_to(position: Position) -> sa.ColumnElement[bool]:
    return sa.not_(_after(position))


async def entry(session: AsyncSession, institution_id: str, delivery_id: str) -> Delivery | None:
    """One entry of the institution's inbox; None for anybody else's."""
    found: Delivery | None = await session.scalar(
        select(Delivery).where(_inbox_of(institution_id), col(Delivery.id) == delivery_id)
    )
    return found


async def page(
    session: AsyncSession,
    institution_id: str,
    *,
    after: Position | None,
    limit: int,
    unacknowledged: bool | None,
) -> list[Delivery]:
    query = select(Delivery).where(_inbox_of(institution_id))
    if after is not None:
        query = query.where(_after(after))
    if unacknowledged is True:
        query = query.where(col(Delivery.acknowledged_at).is_(None))
    elif unacknowledged is False:
        query = query.where(col(Delivery.acknowledged_at).is_not(None))
    query = query.order_by(col(Delivery.created_at), col(Delivery.id)).limit(limit)
    return list((await session.scalars(query)).all())


async def known_ids(session: AsyncSession, institution_id: str, ids: Collection[str]) -> set[str]:
    """Which of `ids` are entries of the institution's inbox."""
    rows = await session.scalars(
        select(Delivery.id).where(_inbox_of(institution_id), col(Delivery.id).in_(ids))
    )
    return set(rows.all())


async def acknowledge(
    session: AsyncSession,
    institution_id: str,
    now: datetime,
    *,
    ids: Collection[str] | None = None,
    up_to: Position | None = None,
) -> int:
    """Mark the entries named, or every one up to a position, acknowledged unless they are."""
    query = sa.update(Delivery).where(
        _inbox_of(institution_id), col(Delivery.acknowledged_at).is_(None)
    )
    if ids is not None:
        query = query.where(col(Delivery.id).in_(ids))
    if up_to is not None:
        query = query.where(_up_to(up_to))
    result = await session.execute(
        query.values(acknowledged_at=now).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def contacts(session: AsyncSession, institution_id: str) -> list[InstitutionContact]:
    rows = await session.scalars(
        select(InstitutionContact)
        .where(col(InstitutionContact.institution_id) == institution_id)
        .order_by(col(InstitutionContact.created_at), col(InstitutionContact.id))
    )
    return list(rows.all())


async def replace_contacts(
    session: AsyncSession, institution_id: str, replacements: Iterable[InstitutionContact]
) -> None:
    await session.execute(
        sa.delete(InstitutionContact).where(
            col(InstitutionContact.institution_id) == institution_id
        )
    )
    session.add_all(replacements)


async def institutions_with_contacts(session: AsyncSession) -> set[str]:
    rows = await session.scalars(select(InstitutionContact.institution_id).distinct())
    return set(rows.all())
