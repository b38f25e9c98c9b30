"""Queries over case tracking's own tables; the caller's transaction commits, never this module."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import and_, col, or_, select

from case_tracking.models import CaseGroup, CasePart, TimelineEntry
from nowrongdoor.contracts.vocabulary import CaseStatus


async def case_group(
    session: AsyncSession, reference: str, *, for_update: bool = False
) -> CaseGroup | None:
    """The case group under `reference`; locked for the transaction when it is to change."""
    return await session.get(CaseGroup, reference, with_for_update=for_update)


async def parts(session: AsyncSession, reference: str) -> list[CasePart]:
    """The institutions' parts in the order they were opened."""
    return list(
        (
            await session.scalars(
                select(CasePart)
                .where(col(CasePart.reference) == reference)
                .order_by(col(CasePart.id))
            )
        ).all()
    )


async def institution_ids(session: AsyncSession, reference: str) -> list[str]:
    return list(
        (
            await session.scalars(
                select(CasePart.institution_id)
                .where(col(CasePart.reference) == reference)
                .order_by(col(CasePart.id))
            )
        ).all()
    )


async def has_part(session: AsyncSession, reference: str, institution_id: str) -> bool:
    part = (
        await session.scalars(
            select(CasePart.id).where(
                col(CasePart.reference) == reference,
                col(CasePart.institution_id) == institution_id,
            )
        )
    ).first()
    return part is not None


async def timeline(session: AsyncSession, reference: str) -> list[TimelineEntry]:
    """Every step of the case, oldest first."""
    return list(
        (
            await session.scalars(
                select(TimelineEntry)
                .where(col(TimelineEntry.reference) == reference)
                .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
            )
        ).all()
    )


async def received_entry(session: AsyncSession, reference: str) -> TimelineEntry | None:
    """The one timeline entry saying the complaint was received."""
    return (
        await session.scalars(
            select(TimelineEntry).where(
                col(TimelineEntry.reference) == reference,
                col(TimelineEntry.kind) == CaseStatus.RECEIVED.value,
            )
        )
    ).first()


async def institution_page(
    session: AsyncSession,
    institution_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[CaseGroup, CasePart]]:
    """Up to `limit` cases in which `institution_id` has a part, newest first, after `after`."""
    query = (
        select(CaseGroup, CasePart)
        .join(CasePart, col(CasePart.reference) == col(CaseGroup.reference))
        .where(col(CasePart.institution_id) == institution_id)
    )
    if after is not None:
        opened_at, reference = after
        query = query.where(
            or_(
                col(CaseGroup.opened_at) < opened_at,
                and_(col(CaseGroup.opened_at) == opened_at, col(CaseGroup.reference) < reference),
            )
        )
    query = query.order_by(col(CaseGroup.opened_at).desc(), col(CaseGroup.reference).desc())
    rows = (await session.execute(query.limit(limit))).all()
    return [(group, part) for group, part in rows]
