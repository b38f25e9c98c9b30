"""What the Open311 facade reads of the cases: codes, instants and promises, never a sealed column
or free text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from case_tracking.models import CaseGroup, CasePart, TimelineEntry
from nowrongdoor.contracts.cases import FiledRequestFilters
from nowrongdoor.contracts.vocabulary import CaseStatus

OPEN311 = "open311"

CONCLUDED = frozenset(
    {CaseStatus.INADMISSIBLE, CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN}
)
"""The whole-case statuses the facade calls concluded, as `FiledRequestFilters` words them."""


@dataclass(frozen=True)
class FiledCase:
    """What the facade reads of a case group: its codes and when it was received."""

    reference: str
    status: CaseStatus
    category: str
    respondent_territory: str | None
    received_at: datetime


_PART_COLUMNS = (
    "id",
    "reference",
    "institution_id",
    "institution_name",
    "office_id",
    "office_name",
    "role",
    "status",
    "opened_at",
    "acknowledged_at",
    "admissibility_decided_at",
    "admissible",
    "resolved_at",
    "acknowledge_days",
    "admissibility_days",
    "resolve_days",
    "calendar",
    "closing_days",
)


async def filed_page(
    session: AsyncSession, institution_id: str, *, filters: FiledRequestFilters, limit: int
) -> list[FiledCase]:
    """Up to `limit` cases `institution_id` has an active part in or filed through Open311,
    narrowed by `filters`, newest received first."""
    rows = await session.execute(
        sa.select(
            col(CaseGroup.reference),
            col(CaseGroup.status),
            col(CaseGroup.category),
            col(CaseGroup.respondent_territory),
            col(CaseGroup.received_at),
        )
        .where(
            or_(_takes_part(institution_id), _filed_by(institution_id)),
            # A case whose complaint was never heard has no category to describe it by yet.
            col(CaseGroup.category).is_not(None),
            *_narrowed(filters),
        )
        .order_by(col(CaseGroup.received_at).desc(), col(CaseGroup.reference).desc())
        .limit(limit)
    )
    return [FiledCase(**row) for row in rows.mappings()]


async def active_parts(
    session: AsyncSession, references: Sequence[str]
) -> dict[str, list[CasePart]]:
    """Each case's parts not transferred away, the lead first, then in the order they opened.

    The parts are built from the columns the promises need, never loaded whole nor added to a
    session: no sealed column, no handler is read."""
    found: dict[str, list[CasePart]] = {reference: [] for reference in references}
    if not references:
        return found
    rows = await session.execute(
        sa.select(*(getattr(CasePart, name) for name in _PART_COLUMNS))
        .where(
            col(CasePart.reference).in_(references),
            col(CasePart.status) != CaseStatus.TRANSFERRED,
        )
        .order_by(sa.case((col(CasePart.role) == "lead", 0), else_=1), col(CasePart.id))
    )
    for row in rows.all():
        part = CasePart(**dict(zip(_PART_COLUMNS, row, strict=True)))
        found[part.reference].append(part)
    return found


async def last_entries(session: AsyncSession, references: Sequence[str]) -> dict[str, datetime]:
    """When each case's latest timeline entry happened; a case without one is left out."""
    if not references:
        return {}
    latest = sa.func.max(col(TimelineEntry.at))
    rows = await session.execute(
        sa.select(col(TimelineEntry.reference), latest)
        .where(col(TimelineEntry.reference).in_(references))
        .group_by(col(TimelineEntry.reference))
    )
    return {reference: at for reference, at in rows.all() if at is not None}


def _takes_part(institution_id: str) -> Any:
    return (
        select(CasePart.id)
        .where(
            col(CasePart.reference) == col(CaseGroup.reference),
            col(CasePart.institution_id) == institution_id,
            col(CasePart.status) != CaseStatus.TRANSFERRED,
        )
        .exists()
    )


def _filed_by(institution_id: str) -> Any:
    return sa.and_(col(CaseGroup.received_by) == institution_id, col(CaseGroup.channel) == OPEN311)


def _narrowed(filters: FiledRequestFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.references is not None:
        conditions.append(col(CaseGroup.reference).in_(filters.references))
    if filters.categories is not None:
        conditions.append(col(CaseGroup.category).in_(filters.categories))
    if filters.received_from is not None:
        conditions.append(col(CaseGroup.received_at) >= filters.received_from)
    if filters.received_until is not None:
        conditions.append(col(CaseGroup.received_at) <= filters.received_until)
    if filters.concluded is not None:
        concluded = col(CaseGroup.status).in_(list(CONCLUDED))
        conditions.append(concluded if filters.concluded else ~concluded)
    return conditions
