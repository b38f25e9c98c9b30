"""Queries over deliveries and the addresses they go to; the caller's transaction commits."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.models import ComplainantContact, Delivery, InstitutionContact
from nowrongdoor import db

PENDING = "pending"
SENDING = "sending"
FAILED = "failed"


DeliveryRow = dict[str, Any]
"""A row of `deliveries` as the owing use cases write it: every column, by name."""

_TABLE: sa.Table = Delivery.__table__  # type: ignore[attr-defined]


def delivery_row(**fields: Any) -> DeliveryRow:
    """A new delivery as a row: `fields`, and the default `Delivery` gives each column they do
    not name."""
    return db.new_row(Delivery, **fields)


def add_deliveries(session: AsyncSession, rows: Iterable[DeliveryRow]) -> None:
    """Write what is owed as the transaction commits, all its rows in one statement; until then
    `owed_already` still finds them."""
    for row in rows:
        db.insert_at_commit(session, _TABLE, row)


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


async def owed_already(session: AsyncSession, cause_event_id: str) -> set[tuple[str, str]]:
    """The (recipient, channel) pairs an event already owes: each is owed once."""
    rows = await session.execute(
        select(Delivery.recipient, Delivery.channel).where(
            col(Delivery.cause_event_id) == cause_event_id
        )
    )
    owed = {(recipient, channel) for recipient, channel in rows.all()}
    owed.update(
        (row["recipient"], row["channel"])
        for row in db.rows_at_commit(session, _TABLE)
        if row["cause_event_id"] == cause_event_id
    )
    return owed


async def owed_already_by_event(
    session: AsyncSession, cause_event_ids: Collection[str]
) -> dict[str, set[tuple[str, str]]]:
    """What each of several events already owes, as `owed_already` reads it for one."""
    owed: dict[str, set[tuple[str, str]]] = {event_id: set() for event_id in cause_event_ids}
    rows = await session.execute(
        select(Delivery.cause_event_id, Delivery.recipient, Delivery.channel).where(
            col(Delivery.cause_event_id).in_(db.in_list(owed))
        )
    )
    for cause_event_id, recipient, channel in rows.all():
        owed[cause_event_id].add((recipient, channel))
    return owed


async def institution_mailboxes(
    session: AsyncSession, institution_id: str, kinds: Collection[str]
) -> list[InstitutionContact]:
    """The institution's contacts with an email address wanting any of `kinds`, oldest first."""
    return [c for c in await institution_contacts(session, institution_id, kinds) if c.email]


async def institution_phones(
    session: AsyncSession, institution_id: str, kinds: Collection[str]
) -> list[InstitutionContact]:
    """The institution's contacts with a phone wanting any of `kinds`, oldest first."""
    return [c for c in await institution_contacts(session, institution_id, kinds) if c.phone]


async def institution_contacts(
    session: AsyncSession, institution_id: str, kinds: Collection[str]
) -> list[InstitutionContact]:
    """The institution's contacts wanting any of `kinds` (or every kind), oldest first."""
    return wanting(await contacts_of(session, institution_id), kinds)


async def contacts_of(session: AsyncSession, institution_id: str) -> list[InstitutionContact]:
    """Every contact of the institution, oldest first."""
    contacts = await session.scalars(
        select(InstitutionContact)
        .where(col(InstitutionContact.institution_id) == institution_id)
        .order_by(col(InstitutionContact.created_at), col(InstitutionContact.id))
    )
    return list(contacts.all())


def wanting(
    contacts: Iterable[InstitutionContact], kinds: Collection[str]
) -> list[InstitutionContact]:
    """The contacts wanting any of `kinds`; a contact that names no kind wants every one."""
    return [c for c in contacts if not c.kinds or any(k in c.kinds for k in kinds)]


async def complainant_contact(session: AsyncSession, reference: str) -> ComplainantContact | None:
    return await session.get(ComplainantContact, reference)


async def complainant_contacts(
    session: AsyncSession, references: Collection[str]
) -> dict[str, ComplainantContact | None]:
    """The contact of each of `references`; None for each that has none."""
    found = await session.scalars(
        select(ComplainantContact).where(
            col(ComplainantContact.reference).in_(db.in_list(references))
        )
    )
    contacts: dict[str, ComplainantContact | None] = dict.fromkeys(references)
    contacts.update((contact.reference, contact) for contact in found)
    return contacts


async def forget_complainant_contact(session: AsyncSession, reference: str) -> None:
    await session.execute(
        sa.delete(ComplainantContact).where(col(ComplainantContact.reference) == reference)
    )


async def fail_pending(
    session: AsyncSession,
    *,
    reference: str,
    recipient: str,
    channels: Collection[str],
    reason: str,
) -> int:
    """Fail, without trying, what still waits for `recipient` on `channels`; how many."""
    result = await session.execute(
        sa.update(Delivery)
        .where(
            col(Delivery.reference) == reference,
            col(Delivery.recipient) == recipient,
            col(Delivery.channel).in_(channels),
            col(Delivery.status) == PENDING,
        )
        .values(status=FAILED, last_error=reason, next_attempt_at=None)
    )
    return _count(result)


async def due(
    session: AsyncSession, now: datetime, channels: Collection[str], limit: int
) -> list[Delivery]:
    """Deliveries whose time has come, and claims that lapsed (their sender died), oldest first."""
    found = await session.scalars(
        select(Delivery)
        .where(
            col(Delivery.channel).in_(channels),
            sa.or_(
                sa.and_(col(Delivery.status) == PENDING, col(Delivery.next_attempt_at) <= now),
                sa.and_(col(Delivery.status) == SENDING, col(Delivery.claimed_until) <= now),
            ),
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.created_at))
        .limit(limit)
    )
    return list(found.all())


async def claim(session: AsyncSession, delivery_id: str, now: datetime, until: datetime) -> bool:
    """Take a due delivery (or one whose claim lapsed) for sending; False if another took it."""
    result = await session.execute(
        sa.update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            sa.or_(
                col(Delivery.status) == PENDING,
                sa.and_(col(Delivery.status) == SENDING, col(Delivery.claimed_until) <= now),
            ),
        )
        .values(status=SENDING, claimed_until=until)
    )
    return _count(result) == 1


async def claim_pending(
    session: AsyncSession, delivery_ids: Collection[str], until: datetime
) -> set[str]:
    """Take waiting deliveries, due or not, to go out with another, in one statement; the ids
    taken (another sender may have taken some first)."""
    if not delivery_ids:
        return set()
    await session.execute(
        sa.update(Delivery)
        .where(col(Delivery.id).in_(delivery_ids), col(Delivery.status) == PENDING)
        .values(status=SENDING, claimed_until=until)
    )
    taken = await session.scalars(
        select(col(Delivery.id)).where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.status) == SENDING,
            col(Delivery.claimed_until) == until,
        )
    )
    return set(taken.all())


async def mergeable(
    session: AsyncSession, delivery: Delivery, *, any_case: bool, limit: int
) -> list[Delivery]:
    """Up to `limit` other deliveries waiting for the same recipient on the same channel in the
    same language (the same case's, unless `any_case`), oldest first: they can go out as one
    message with `delivery`."""
    query = select(Delivery).where(
        col(Delivery.id) != delivery.id,
        col(Delivery.recipient) == delivery.recipient,
        col(Delivery.channel) == delivery.channel,
        col(Delivery.language) == delivery.language,
        col(Delivery.status) == PENDING,
    )
    if not any_case:
        query = query.where(col(Delivery.reference) == delivery.reference)
    found = await session.scalars(
        query.order_by(col(Delivery.created_at), col(Delivery.id)).limit(limit)
    )
    return list(found.all())


async def claimed(
    session: AsyncSession, delivery_ids: Collection[str], until: datetime
) -> list[Delivery]:
    """The deliveries still held under the claim that ends at `until`, locked for the outcome.

    The rows are written to first: SQLite then holds its write lock before reading, so a
    replica writing in between cannot make this transaction's later write fail.
    """
    await session.execute(
        sa.update(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.status) == SENDING,
            col(Delivery.claimed_until) == until,
        )
        .values(claimed_until=until)
    )
    found = await session.scalars(
        select(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.status) == SENDING,
            col(Delivery.claimed_until) == until,
        )
        .with_for_update()
    )
    return list(found.all())


async def failed(session: AsyncSession, reference: str | None = None) -> list[Delivery]:
    """The dead letter: deliveries that will not be tried again, oldest first."""
    query = select(Delivery).where(col(Delivery.status) == FAILED)
    if reference is not None:
        query = query.where(col(Delivery.reference) == reference)
    found = await session.scalars(query.order_by(col(Delivery.created_at), col(Delivery.id)))
    return list(found.all())


async def failed_between(session: AsyncSession, since: datetime, until: datetime) -> list[Delivery]:
    """Failed deliveries created in [since, until), oldest first."""
    found = await session.scalars(
        select(Delivery)
        .where(
            col(Delivery.status) == FAILED,
            col(Delivery.created_at) >= since,
            col(Delivery.created_at) < until,
        )
        .order_by(col(Delivery.created_at), col(Delivery.id))
    )
    return list(found.all())


async def replay(session: AsyncSession, delivery_id: str, now: datetime) -> bool:
    """Make a failed delivery wait to go out again at once; False unless it had failed."""
    result = await session.execute(
        sa.update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.status) == FAILED)
        .values(
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_until=None,
            last_error=None,
        )
    )
    return _count(result) == 1


def _count(result: object) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0


async def waiting_by_channel(session: AsyncSession) -> dict[str, int]:
    """How many deliveries of each channel are not sent yet: pending, or being sent."""
    counted = await session.execute(
        select(col(Delivery.channel), sa.func.count())
        .where(col(Delivery.status).in_((PENDING, SENDING)))
        .group_by(col(Delivery.channel))
    )
    return {channel: count for channel, count in counted.all()}
