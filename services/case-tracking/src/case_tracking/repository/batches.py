"""What the first event of a consumer's batch reads for all of the batch's cases at once.

Opening a case reads its group (locked), then its parts. In a fetched batch, the first event
that asks reads the groups of every case the batch's events are about (their subject is the
case's reference) in one statement, and the first that asks for parts reads theirs so. Each
case's group is served once, as it stood when the batch began; its parts only to the event
that was just served its group, since another event of the batch may have changed them before.
A second ask for the same case in the transaction reads the database again, so an event finds
what an earlier event of its batch wrote. Outside a consumer's transaction each ask is a query
of its own.

On PostgreSQL a batch first locks every case it is about, the cases with no group yet too, so
two consumers that open the same case at once (its complaint heard by one, routing's decision
by the other) take turns: the second reads the group the first wrote, instead of finding none,
inserting it too and failing at its commit. SQLite lets one writer in at a time anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Collection
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from case_tracking import repository
from case_tracking.models import CaseGroup, CasePart
from nowrongdoor import db
from nowrongdoor.inbox import read_for_batch

T = TypeVar("T")

# Locked in reference order, as every batch locks them, so two batches never wait on each other
# in a circle on PostgreSQL.
_GROUPS_FOR_UPDATE = (
    select(CaseGroup)
    .where(col(CaseGroup.reference).in_(sa.bindparam("references", expanding=True)))
    .order_by(col(CaseGroup.reference))
    .with_for_update()
    .execution_options(populate_existing=True)
)
# A lock for each case, held to the end of the transaction, taken in the order of the keys.
_LOCK_CASES = sa.text("SELECT pg_advisory_xact_lock(key) FROM unnest(:keys) AS key").bindparams(
    sa.bindparam("keys", type_=postgresql.ARRAY(sa.BigInteger))
)
_PARTS = (
    select(CasePart)
    .where(col(CasePart.reference).in_(sa.bindparam("references", expanding=True)))
    .order_by(col(CasePart.id))
)


async def case_group_for_update(session: AsyncSession, reference: str) -> CaseGroup | None:
    """The case group under `reference`, locked for the transaction, as
    `repository.case_group(..., for_update=True)` reads it."""
    groups = await _read_for_batch(session, "groups", _groups)
    fresh = _fresh(session)
    if reference in groups:
        fresh.add(reference)
        return groups.pop(reference)
    fresh.discard(reference)
    return await repository.case_group(session, reference, for_update=True)


async def parts(session: AsyncSession, reference: str) -> list[CasePart]:
    """The case's parts in the order they were opened, as `repository.parts` reads them."""
    fresh = _fresh(session)
    if reference in fresh:
        fresh.discard(reference)
        found = await _read_for_batch(session, "parts", _parts)
        if reference in found:
            return found.pop(reference)
    return await repository.parts(session, reference)


def _fresh(session: AsyncSession) -> set[str]:
    """The cases whose group was last served as the batch began, their parts not yet asked."""
    fresh: set[str] = db.kept_for_transaction(session).setdefault(
        ("case-tracking.read-for-batch", "fresh"), set()
    )
    return fresh


async def _groups(
    session: AsyncSession, references: Collection[str]
) -> dict[str, CaseGroup | None]:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_LOCK_CASES, {"keys": _lock_keys(references)})
    found = await session.scalars(
        _GROUPS_FOR_UPDATE, {"references": db.in_list(sorted(references))}
    )
    groups: dict[str, CaseGroup | None] = dict.fromkeys(references)
    groups.update((group.reference, group) for group in found)
    return groups


def _lock_keys(references: Collection[str]) -> list[int]:
    """The advisory lock key of each case, sorted, so two batches never wait on each other in a
    circle; two cases may share a key, and then merely take turns."""
    keys = {
        int.from_bytes(
            hashlib.blake2b(f"case-group:{reference}".encode(), digest_size=8).digest(),
            "big",
            signed=True,
        )
        for reference in references
    }
    return sorted(keys)


async def _parts(session: AsyncSession, references: Collection[str]) -> dict[str, list[CasePart]]:
    found: dict[str, list[CasePart]] = {reference: [] for reference in references}
    for part in await session.scalars(_PARTS, {"references": db.in_list(references)}):
        found[part.reference].append(part)
    return found


async def _read_for_batch(
    session: AsyncSession,
    what: str,
    read: Callable[[AsyncSession, Collection[str]], Awaitable[dict[str, T]]],
) -> dict[str, T]:
    """What `read` gives for the batch's cases, read at the first ask of the transaction; the
    caller takes each case's out as it serves it."""
    return await read_for_batch(
        session,
        ("case-tracking.read-for-batch", what),
        lambda references: read(session, references),
    )
