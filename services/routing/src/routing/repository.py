"""Queries over routing's tables: the directory's versions, decisions, triage, accreditations.

Nothing here commits; the service's unit of work does. A new directory version is appended with
the next number and the `registry_current` pointer moves only if it still names the version the
change started from, so of two writers racing each other exactly one wins. `lost_race` and
`unreachable` tell the loser's error from a database that is not answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from nowrongdoor import db
from routing.domain import Registry
from routing.models import (
    Accreditation,
    AccreditationAttachment,
    AccreditationCriteriaRecord,
    AccreditationStepRecord,
    CurrentRegistry,
    RegistryVersion,
    RoutingDecision,
    TriageRuleProposal,
)

DECISIONS: sa.Table = RoutingDecision.__table__  # type: ignore[attr-defined]
"""The table of decisions, for rows written as the transaction commits."""

CURRENT = 1
"""The id of the one `registry_current` row."""

# Another transaction holds the database (SQLite: SQLITE_BUSY, SQLITE_LOCKED), or PostgreSQL gave
# up on one of two transactions (serialization failure, deadlock): each means try again.
_SQLITE_CONTENDED = frozenset({5, 6})
_POSTGRES_CONTENDED = frozenset({"40001", "40P01"})


class VersionTaken(Exception):
    """Another writer moved the directory on between reading the current version and writing."""


class AccreditationMoved(VersionTaken):
    """Another step was taken on the accreditation between reading it and writing."""


@dataclass(frozen=True)
class VersionSummary:
    number: int
    version: str
    created_at: datetime
    actor: str
    summary: str


# --- The directory's versions -------------------------------------------------------------------


async def current_number(session: AsyncSession) -> int | None:
    """The number of the version routing decides with; `None` before the first is loaded."""
    number: int | None = await session.scalar(
        select(CurrentRegistry.number).where(col(CurrentRegistry.id) == CURRENT)
    )
    return number


async def version(session: AsyncSession, number: int) -> RegistryVersion:
    record = await session.get(RegistryVersion, number)
    assert record is not None, "the pointer names a stored version"
    return record


async def append_version(
    session: AsyncSession,
    previous: int | None,
    registry: Registry,
    *,
    actor: str,
    summary: str,
    now: datetime,
) -> int:
    """Record `registry` as the version after `previous` and make it current.

    Raises `VersionTaken`, or the database's `IntegrityError`, when another writer got there first.
    """
    number = 1 if previous is None else previous + 1
    session.add(
        RegistryVersion(
            number=number,
            version=registry.version,
            document=registry.to_dict(),
            created_at=now,
            actor=actor,
            summary=summary,
        )
    )
    await session.flush()
    if previous is None:
        session.add(CurrentRegistry(id=CURRENT, number=1, version=registry.version, changed_at=now))
        await session.flush()
        return number
    moved = await session.execute(
        sa.update(CurrentRegistry)
        .where(col(CurrentRegistry.id) == CURRENT, col(CurrentRegistry.number) == previous)
        .values(number=number, version=registry.version, changed_at=now)
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise VersionTaken
    return number


async def history(session: AsyncSession) -> list[VersionSummary]:
    """Every version without its document, newest first."""
    rows = await session.execute(
        sa.select(
            col(RegistryVersion.number),
            col(RegistryVersion.version),
            col(RegistryVersion.created_at),
            col(RegistryVersion.actor),
            col(RegistryVersion.summary),
        ).order_by(col(RegistryVersion.number).desc())
    )
    return [VersionSummary(*row) for row in rows]


# --- Decisions and triage proposals -------------------------------------------------------------


async def latest_revision(session: AsyncSession, reference: str) -> int | None:
    """The highest revision decided on `reference`, counting the decisions the transaction
    writes as it commits (`db.insert_at_commit`)."""
    stored: int | None = (
        await session.scalars(
            select(func.max(RoutingDecision.revision)).where(
                col(RoutingDecision.reference) == reference
            )
        )
    ).one()
    revisions = [
        row["revision"]
        for row in db.rows_at_commit(session, DECISIONS)
        if row["reference"] == reference
    ]
    if stored is not None:
        revisions.append(stored)
    return max(revisions, default=None)


async def current_decision(session: AsyncSession, reference: str) -> RoutingDecision | None:
    """The decision with the highest revision: the one in force."""
    return (
        await session.scalars(
            select(RoutingDecision)
            .where(col(RoutingDecision.reference) == reference)
            .order_by(col(RoutingDecision.revision).desc())
            .limit(1)
        )
    ).first()


async def decision_history(session: AsyncSession, reference: str) -> list[RoutingDecision]:
    return list(
        (
            await session.scalars(
                select(RoutingDecision)
                .where(col(RoutingDecision.reference) == reference)
                .order_by(col(RoutingDecision.revision))
            )
        ).all()
    )


async def proposal(session: AsyncSession, proposal_id: str) -> TriageRuleProposal | None:
    return await session.get(TriageRuleProposal, proposal_id)


async def proposals_for(
    session: AsyncSession, institution_id: str | None
) -> list[TriageRuleProposal]:
    """Rule proposals, newest first: every one, or those naming one institution as lead."""
    query = select(TriageRuleProposal).order_by(
        col(TriageRuleProposal.created_at).desc(), col(TriageRuleProposal.id)
    )
    if institution_id is not None:
        query = query.where(col(TriageRuleProposal.lead_institution_id) == institution_id)
    return list((await session.scalars(query)).all())


# --- Accreditations ----------------------------------------------------------------------------


async def criteria(
    session: AsyncSession, institution_id: str
) -> AccreditationCriteriaRecord | None:
    return await session.get(AccreditationCriteriaRecord, institution_id)


async def accreditation(session: AsyncSession, accreditation_id: str) -> Accreditation | None:
    return await session.get(Accreditation, accreditation_id)


async def accreditations(
    session: AsyncSession,
    *,
    ngo_id: str | None = None,
    institution_id: str | None = None,
    statuses: tuple[str, ...] = (),
) -> list[Accreditation]:
    """Accreditations by the NGO or the institution named, oldest application first."""
    query = select(Accreditation).order_by(col(Accreditation.applied_at), col(Accreditation.id))
    if ngo_id is not None:
        query = query.where(col(Accreditation.ngo_id) == ngo_id)
    if institution_id is not None:
        query = query.where(col(Accreditation.institution_id) == institution_id)
    if statuses:
        query = query.where(col(Accreditation.status).in_(statuses))
    return list((await session.scalars(query)).all())


async def pending_application(
    session: AsyncSession, ngo_id: str, institution_id: str
) -> Accreditation | None:
    return (
        await session.scalars(
            select(Accreditation).where(
                col(Accreditation.pending_key) == pending_key(ngo_id, institution_id)
            )
        )
    ).first()


def pending_key(ngo_id: str, institution_id: str) -> str:
    return f"{ngo_id} {institution_id}"


async def steps_of(
    session: AsyncSession, accreditation_ids: list[str]
) -> dict[str, list[AccreditationStepRecord]]:
    """Each accreditation's trail, in the order its steps were taken."""
    return await _by_accreditation(session, AccreditationStepRecord, accreditation_ids)


async def attachments_of(
    session: AsyncSession, accreditation_ids: list[str]
) -> dict[str, list[AccreditationAttachment]]:
    """The evidence of each accreditation, in the order it was sent."""
    return await _by_accreditation(session, AccreditationAttachment, accreditation_ids)


OfAccreditation = TypeVar("OfAccreditation", AccreditationStepRecord, AccreditationAttachment)


async def _by_accreditation(
    session: AsyncSession, table: type[OfAccreditation], accreditation_ids: list[str]
) -> dict[str, list[OfAccreditation]]:
    """The rows of `table` for each accreditation, in the order they were written."""
    found: dict[str, list[OfAccreditation]] = {id_: [] for id_ in accreditation_ids}
    if not accreditation_ids:
        return found
    rows = await session.scalars(
        select(table)
        .where(col(table.accreditation_id).in_(accreditation_ids))
        .order_by(col(table.id))
    )
    for row in rows:
        found[row.accreditation_id].append(row)
    return found


async def accreditation_attachment(
    session: AsyncSession, accreditation_id: str, attachment_id: str
) -> AccreditationAttachment | None:
    return (
        await session.scalars(
            select(AccreditationAttachment).where(
                col(AccreditationAttachment.accreditation_id) == accreditation_id,
                col(AccreditationAttachment.attachment_id) == attachment_id,
            )
        )
    ).first()


async def move_accreditation(
    session: AsyncSession,
    record: Accreditation,
    *,
    status: str,
    categories: list[str] | None,
    territories: list[str] | None,
    since: date | None,
    expires_on: date | None,
) -> None:
    """Record a step's outcome if nobody took another step since `record` was read.

    Raises `AccreditationMoved` when someone did.
    """
    moved = await session.execute(
        sa.update(Accreditation)
        .where(
            col(Accreditation.id) == record.id,
            col(Accreditation.revision) == record.revision,
        )
        .values(
            status=status,
            categories=categories,
            territories=territories,
            since=since,
            expires_on=expires_on,
            revision=record.revision + 1,
            pending_key=None,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise AccreditationMoved
    await session.refresh(record)


# --- What a database error means ----------------------------------------------------------------


def lost_race(error: BaseException) -> bool:
    """Whether another writer got there first, so the same change may well succeed if retried."""
    if isinstance(error, VersionTaken | exc.IntegrityError):
        return True
    if not isinstance(error, exc.DBAPIError) or error.connection_invalidated:
        return False
    sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int) and sqlite_code & 0xFF in _SQLITE_CONTENDED:
        return True
    return getattr(error.orig, "sqlstate", None) in _POSTGRES_CONTENDED


def unreachable(error: BaseException) -> bool:
    """Whether the database is not answering: down, unreachable, or dropping the connection."""
    if lost_race(error):
        return False
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated or isinstance(
            error, exc.OperationalError | exc.InterfaceError
        )
    return isinstance(error, OSError | exc.DisconnectionError | exc.TimeoutError)
