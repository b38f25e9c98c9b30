"""Queries over intake's tables: submissions and the append-only audit log. Nothing here commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from intake.domain.audit import Action, Actor
from intake.models import SEALED_FIELDS, AuditEntry, Submission
from nowrongdoor import db
from nowrongdoor.contracts.intake import ErasureReason

ClosedSubmission = tuple[str, datetime, list[str]]
"""A closed submission still holding personal data: reference, closed_at, institutions involved."""


async def submission(
    session: AsyncSession, reference: str, *, for_update: bool = False, fresh: bool = False
) -> Submission | None:
    """The submission with this reference; `for_update` locks it and reads it afresh (an earlier
    read in the same transaction may predate the lock), `fresh` only reloads it."""
    return await session.get(
        Submission, reference, with_for_update=for_update, populate_existing=fresh or for_update
    )


# Built once: every event about complaints that a batch brings reads their submissions so.
_SUBMISSIONS_FOR_UPDATE = (
    select(Submission)
    .where(col(Submission.reference).in_(sa.bindparam("references", expanding=True)))
    .order_by(col(Submission.reference))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def submissions_for_update(
    session: AsyncSession, references: Collection[str]
) -> dict[str, Submission | None]:
    """The submission of each of `references`, locked and read afresh as `submission` does;
    None for each that is unknown. Locked in reference order, as any other batch locks them."""
    found = await session.scalars(
        _SUBMISSIONS_FOR_UPDATE, {"references": db.in_list(sorted(references))}
    )
    submissions: dict[str, Submission | None] = dict.fromkeys(references)
    submissions.update((record.reference, record) for record in found)
    return submissions


def add_submission(session: AsyncSession, record: Submission) -> None:
    session.add(record)


async def remove_personal_data(
    session: AsyncSession, reference: str, reason: ErasureReason, now: datetime
) -> bool:
    """Empty the sealed columns unless already empty; False when someone else got there first."""
    result = await session.execute(
        sa.update(Submission)
        .where(col(Submission.reference) == reference, col(Submission.erased_at).is_(None))
        .values(
            sealed_description=None,
            sealed_respondent_name=None,
            sealed_identity=None,
            sealed_contact=None,
            erased_at=now,
            erasure_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def add_audit_entry(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    *,
    at: datetime,
    reference: str | None = None,
    detail: str | None = None,
) -> AuditEntry:
    """An audit row in the caller's transaction, so it commits with what it records.

    It names the actor, the action and the reference, never the personal data concerned; the
    database itself refuses to change or delete it afterwards.
    """
    entry = AuditEntry(
        at=at,
        actor_client_id=actor.client_id,
        actor_kind=actor.kind,
        actor_institution_id=actor.institution_id,
        action=action,
        reference=reference,
        detail=detail,
    )
    session.add(entry)
    return entry


async def closed_holding_personal_data(
    session: AsyncSession,
    closed_by: datetime,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[ClosedSubmission]:
    """Submissions closed by `closed_by` and not yet erased, in closing order after `after`."""
    query = (
        select(Submission.reference, Submission.closed_at, Submission.involved_institution_ids)
        .where(
            col(Submission.closed_at).is_not(None),
            col(Submission.closed_at) <= closed_by,
            col(Submission.erased_at).is_(None),
        )
        .order_by(col(Submission.closed_at), col(Submission.reference))
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            (col(Submission.closed_at) > after[0])
            | ((col(Submission.closed_at) == after[0]) & (col(Submission.reference) > after[1]))
        )
    rows = (await session.execute(query)).all()
    closed: list[ClosedSubmission] = []
    for reference, closed_at, institution_ids in rows:
        assert closed_at is not None  # the query asks for closed ones only
        closed.append((reference, closed_at, institution_ids))
    return closed


def _sealed_elsewhere(column_name: str, prefix: str) -> sa.ColumnElement[bool]:
    """A sealed value in this column whose envelope does not start with `prefix` (the key's)."""
    column = getattr(Submission, column_name)
    return sa.and_(
        col(column).is_not(None),
        sa.func.substr(col(column), 1, len(prefix)) != prefix,
    )


async def count_sealed_elsewhere(session: AsyncSession, prefix: str) -> int:
    """How many sealed values are not under the key whose envelopes start with `prefix`."""
    total = 0
    for column_name in SEALED_FIELDS:
        count = await session.scalar(
            select(sa.func.count())
            .select_from(Submission)
            .where(_sealed_elsewhere(column_name, prefix))
        )
        total += int(count or 0)
    return total


async def sealed_elsewhere(
    session: AsyncSession, prefix: str, *, after: str, limit: int
) -> Sequence[Submission]:
    """Submissions holding a value not under the `prefix` key, locked, in reference order."""
    any_elsewhere = sa.or_(*(_sealed_elsewhere(name, prefix) for name in SEALED_FIELDS))
    return (
        await session.scalars(
            select(Submission)
            .where(any_elsewhere, col(Submission.reference) > after)
            .order_by(col(Submission.reference))
            .limit(limit)
            .with_for_update()
        )
    ).all()
