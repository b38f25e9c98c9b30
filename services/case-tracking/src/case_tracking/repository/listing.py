"""What the lists read: an institution's cases, an NGO's relayed alerts, a triage desk's queue.

Each is a page at a time, newest first, after a cursor. A list reads the columns it shows, not
whole rows, and each shape of its query (the filters it uses, whether it follows a cursor) is
built once with its values bound at each request: building and keying the statement afresh cost
about as much as running it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from case_tracking.models import CaseGroup, CasePart
from nowrongdoor.contracts.vocabulary import CaseStatus

_GROUPS: sa.Table = CaseGroup.__table__  # type: ignore[attr-defined]
_PARTS: sa.Table = CasePart.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ListedCase:
    """What a list shows of one case and one institution's part in it."""

    reference: str
    status: CaseStatus
    language: str
    opened_at: datetime
    """When the case was opened."""
    part_status: CaseStatus
    role: str
    office_id: str | None
    part_opened_at: datetime
    """When the part was opened: an institution's list is in this order."""


@dataclass(frozen=True)
class ListFilters:
    """What an institution's list is narrowed to; None leaves a filter out."""

    status: CaseStatus | None = None
    category: str | None = None
    territory: str | None = None
    overdue: bool | None = None
    received_from: datetime | None = None
    received_until: datetime | None = None


@dataclass(frozen=True)
class _Shape:
    """Which conditions a list's query holds; the values themselves are bound when it runs."""

    status: bool
    category: bool
    territory: bool
    overdue: bool | None
    received_from: bool
    received_until: bool
    after: bool

    @classmethod
    def of(cls, filters: ListFilters, after: tuple[datetime, str] | None) -> _Shape:
        return cls(
            status=filters.status is not None,
            category=filters.category is not None,
            territory=filters.territory is not None,
            overdue=filters.overdue,
            received_from=filters.received_from is not None,
            received_until=filters.received_until is not None,
            after=after is not None,
        )


_LISTED_COLUMNS = (
    _GROUPS.c.reference,
    _GROUPS.c.status,
    _GROUPS.c.language,
    _GROUPS.c.opened_at,
    _PARTS.c.status.label("part_status"),
    _PARTS.c.role,
    _PARTS.c.office_id,
    _PARTS.c.opened_at.label("part_opened_at"),
)


async def institution_page(
    session: AsyncSession,
    institution_id: str,
    *,
    filters: ListFilters,
    today: date,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[ListedCase]:
    """Up to `limit` cases in which `institution_id` has a part, the part opened last first,
    after `after`: the institution's own parts, in the order of the index that holds them.
    `today` matters to the `overdue` filter alone."""
    statement = _institution_page(_Shape.of(filters, after))
    values = _values(filters, today, after, limit) | {"institution_id": institution_id}
    return await _listed_cases(session, statement, values)


async def relayed_page(
    session: AsyncSession,
    ngo_id: str,
    *,
    filters: ListFilters,
    today: date,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[ListedCase]:
    """Up to `limit` cases whose alert `ngo_id` relayed, each with its lead part, newest first."""
    statement = _relayed_page(_Shape.of(filters, after))
    values = _values(filters, today, after, limit) | {"ngo_id": ngo_id}
    return await _listed_cases(session, statement, values)


async def triage_page(
    session: AsyncSession,
    institution_id: str,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[CaseGroup]:
    """Up to `limit` cases waiting for `institution_id`'s triage decision, newest first."""
    values = _values(ListFilters(), None, after, limit) | {"institution_id": institution_id}
    return list((await session.scalars(_triage_page(after is not None), values)).all())


@cache
def _institution_page(shape: _Shape) -> sa.Select[Any]:
    query = (
        sa.select(*_LISTED_COLUMNS)
        .join(_PARTS, _PARTS.c.reference == _GROUPS.c.reference)
        .where(_PARTS.c.institution_id == sa.bindparam("institution_id"), *_narrowed(shape))
    )
    return _paged(query, shape.after, _PARTS.c.opened_at, _PARTS.c.reference)


@cache
def _relayed_page(shape: _Shape) -> sa.Select[Any]:
    query = (
        sa.select(*_LISTED_COLUMNS)
        .join(_PARTS, sa.and_(_PARTS.c.reference == _GROUPS.c.reference, _PARTS.c.role == "lead"))
        .where(_GROUPS.c.relay_ngo_id == sa.bindparam("ngo_id"), *_narrowed(shape))
    )
    return _paged(query, shape.after, _GROUPS.c.opened_at, _GROUPS.c.reference)


@cache
def _triage_page(after: bool) -> sa.Select[Any]:
    query = select(CaseGroup).where(
        _GROUPS.c.triage_institution_id == sa.bindparam("institution_id"),
        _GROUPS.c.status == CaseStatus.TRIAGE,
    )
    return _paged(query, after, _GROUPS.c.opened_at, _GROUPS.c.reference)


async def _listed_cases(
    session: AsyncSession, statement: sa.Select[Any], values: dict[str, Any]
) -> list[ListedCase]:
    return [ListedCase(*row) for row in (await session.execute(statement, values)).all()]


def _narrowed(shape: _Shape) -> list[Any]:
    conditions: list[Any] = []
    if shape.status:
        conditions.append(_PARTS.c.status == sa.bindparam("status"))
    if shape.category:
        conditions.append(_GROUPS.c.category == sa.bindparam("category"))
    if shape.territory:
        # A territory holds its subdivisions: MA holds MA-06. The pattern allows no wildcard.
        territory = _GROUPS.c.respondent_territory
        conditions.append(
            sa.or_(
                territory == sa.bindparam("territory"),
                territory.like(sa.bindparam("territory_below")),
            )
        )
    if shape.overdue is not None:
        late = _PARTS.c.due_on < sa.bindparam("today")
        conditions.append(late if shape.overdue else sa.or_(_PARTS.c.due_on.is_(None), ~late))
    if shape.received_from:
        conditions.append(_GROUPS.c.received_at >= sa.bindparam("received_from"))
    if shape.received_until:
        conditions.append(_GROUPS.c.received_at <= sa.bindparam("received_until"))
    return conditions


def _values(
    filters: ListFilters, today: date | None, after: tuple[datetime, str] | None, limit: int
) -> dict[str, Any]:
    """The values a list's statement binds, for whichever conditions its shape holds."""
    values: dict[str, Any] = {
        "limit": limit,
        "status": filters.status,
        "category": filters.category,
        "territory": filters.territory,
        "territory_below": f"{filters.territory}-%",
        "today": today,
        "received_from": filters.received_from,
        "received_until": filters.received_until,
    }
    if after is not None:
        values["last_opened"], values["last_reference"] = after
    return values


def _paged(
    query: sa.Select[Any],
    after: bool,
    opened: sa.ColumnElement[Any],
    reference: sa.ColumnElement[Any],
) -> sa.Select[Any]:
    """`query` newest first by `opened` then `reference`, from just after the cursor's
    `last_opened` and `last_reference` when `after`, at most `limit` rows."""
    if after:
        last_opened: sa.BindParameter[Any] = sa.bindparam("last_opened")
        query = query.where(
            sa.or_(
                opened < last_opened,
                sa.and_(opened == last_opened, reference < sa.bindparam("last_reference")),
            )
        )
    limit = sa.bindparam("limit", type_=sa.Integer)
    return query.order_by(opened.desc(), reference.desc()).limit(limit)
