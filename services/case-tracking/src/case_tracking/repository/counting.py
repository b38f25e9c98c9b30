"""What the statistics read of the cases: codes and instants, never a sealed column or free text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from case_tracking.models import CaseGroup, CasePart, PublishedMonth, TimelineEntry
from nowrongdoor.contracts.vocabulary import CaseStatus


@dataclass(frozen=True)
class CountedPart:
    """What the statistics read of a part and its case: codes, instants and promises only."""

    part: CasePart  # built from the columns below, never loaded whole nor added to a session
    category: str | None
    respondent_type: str | None
    respondent_territory: str | None
    territory_path: list[str] | None
    channel: str | None
    received_at: datetime


@dataclass(frozen=True)
class CountedAdvice:
    """A complaint that ended in advice only, with no institution taking it."""

    category: str | None
    respondent_type: str | None
    respondent_territory: str | None
    territory_path: list[str] | None
    channel: str | None
    received_at: datetime
    ended_at: datetime


_COUNTED_PART_COLUMNS = (
    "id",
    "reference",
    "institution_id",
    "institution_name",
    "office_id",
    "role",
    "status",
    "outcome",
    "opened_at",
    "acknowledged_at",
    "admissibility_decided_at",
    "admissible",
    "resolved_at",
    "ended_at",
    "acknowledge_days",
    "admissibility_days",
    "resolve_days",
    "calendar",
    "closing_days",
)
_COUNTED_CASE_COLUMNS = (
    "category",
    "respondent_type",
    "respondent_territory",
    "territory_path",
    "channel",
    "received_at",
)


async def counted_parts(session: AsyncSession) -> list[CountedPart]:
    """Every part with its case's codes: no sealed column, no handler, no free text is read."""
    part_columns = [getattr(CasePart, name) for name in _COUNTED_PART_COLUMNS]
    case_columns = [getattr(CaseGroup, name) for name in _COUNTED_CASE_COLUMNS]
    rows = await session.execute(
        sa.select(*part_columns, *case_columns)
        .join(CaseGroup, col(CaseGroup.reference) == col(CasePart.reference))
        .order_by(col(CasePart.id))
    )
    found = []
    for row in rows.all():
        part_values = dict(zip(_COUNTED_PART_COLUMNS, row[: len(part_columns)], strict=True))
        case_values = dict(zip(_COUNTED_CASE_COLUMNS, row[len(part_columns) :], strict=True))
        found.append(CountedPart(part=CasePart(**part_values), **case_values))
    return found


_ADVICE_KINDS = (CaseStatus.CLOSED.value, CaseStatus.INADMISSIBLE.value)
"""The timeline steps of a routing decision that ends a complaint in advice."""


async def counted_advice(session: AsyncSession) -> list[CountedAdvice]:
    """Every complaint that ended in advice with no part: routing found no one competent, or a
    prerequisite missing. It ended when routing first gave the advice, a step of its timeline
    that nothing later moves (a withdrawal afterwards changes the case, not that instant)."""
    has_part = select(CasePart.id).where(col(CasePart.reference) == col(CaseGroup.reference))
    advised_at = (
        sa.select(sa.func.min(col(TimelineEntry.at)))
        .where(
            col(TimelineEntry.reference) == col(CaseGroup.reference),
            col(TimelineEntry.kind).in_(_ADVICE_KINDS),
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        sa.select(
            *(getattr(CaseGroup, name) for name in _COUNTED_CASE_COLUMNS),
            # A complaint advised before the timeline recorded it: its receipt, never moving.
            sa.func.coalesce(advised_at, col(CaseGroup.received_at)),
        )
        .where(col(CaseGroup.advice).is_not(None), ~has_part.exists())
        .order_by(col(CaseGroup.received_at))
    )
    return [
        CountedAdvice(**dict(zip(_COUNTED_CASE_COLUMNS, row[:-1], strict=True)), ended_at=row[-1])
        for row in rows.all()
    ]


async def complaints_received(
    session: AsyncSession, *, since: datetime | None = None, before: datetime | None = None
) -> int:
    """How many complaints were received from `since` and before `before`, whatever became of
    them."""
    query = sa.select(sa.func.count()).select_from(CaseGroup)
    if since is not None:
        query = query.where(col(CaseGroup.received_at) >= since)
    if before is not None:
        query = query.where(col(CaseGroup.received_at) < before)
    return int(await session.scalar(query) or 0)


async def published_months(session: AsyncSession) -> set[str]:
    """The months published."""
    return set((await session.scalars(sa.select(col(PublishedMonth.month)))).all())


async def published_month(session: AsyncSession, month: str) -> dict[str, Any] | None:
    """A month's statistics as first published; None before it is."""
    figures: dict[str, Any] | None = await session.scalar(
        sa.select(col(PublishedMonth.figures)).where(col(PublishedMonth.month) == month)
    )
    return figures


async def publish_month(
    session: AsyncSession, month: str, figures: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """Keep `figures` as the month's, unless another reading published it first: then those,
    which this returns. The month's row decides between two concurrent first readings."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PublishedMonth)
    await session.execute(
        insert.values(month=month, figures=figures, published_at=at).on_conflict_do_nothing(
            index_elements=["month"]
        )
    )
    kept = await published_month(session, month)
    assert kept is not None  # inserted, or already there
    return kept
