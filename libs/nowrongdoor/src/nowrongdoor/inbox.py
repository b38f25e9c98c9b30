"""The inbox: every consumer handles an event once, whatever JetStream redelivers.

The processed event id is recorded in the same transaction as the handler's side effects, and the
message is acknowledged only after that commit. A redelivered event finds its id and does nothing.
A fetched batch may share one transaction; its messages are acknowledged after that one commit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from nowrongdoor.bus import Handler
from nowrongdoor.db import SessionMaker, UTCDateTime, in_list, kept_for_transaction
from nowrongdoor.envelope import Envelope

log = logging.getLogger(__name__)

TransactionalHandler = Callable[[AsyncSession, Envelope], Awaitable[None]]
K = TypeVar("K")
V = TypeVar("V")


class InboxEntry(SQLModel, table=True):
    __tablename__ = "inbox"

    event_id: str = Field(primary_key=True, max_length=64)
    consumer: str = Field(primary_key=True, max_length=100)
    event_type: str = Field(max_length=200)
    processed_at: datetime = Field(sa_type=UTCDateTime)


_INBOX: sa.Table = InboxEntry.__table__  # type: ignore[attr-defined]

_SEEN = sa.select(_INBOX.c.event_id).where(
    _INBOX.c.consumer == sa.bindparam("consumer"),
    _INBOX.c.event_id.in_(sa.bindparam("ids", expanding=True)),
)
"""Which of a batch's events a consumer has handled already; built once, read for every batch.
Statements on the table rather than the model: the session runs them without the ORM's
compilation and result handling, which a batch of one or two events otherwise pays in full."""

_RECORD = sa.insert(_INBOX)
"""The batch's inbox records, in one statement on the table."""


_BATCH = "nowrongdoor.inbox-batch"


def events_in_transaction(session: AsyncSession) -> Sequence[Envelope]:
    """The events handled in the session's current transaction: the fetched batch's, or the one
    event's. A handler can read what all of them will need in one query, and keep it with
    `db.kept_for_transaction`; empty outside a consumer's transaction."""
    found: Sequence[Envelope] = kept_for_transaction(session).get(_BATCH, ())
    return found


async def read_for_batch(
    session: AsyncSession,
    name: Hashable,
    read: Callable[[set[str]], Awaitable[dict[K, V]]],
    *,
    key: Callable[[Envelope], str] = lambda envelope: envelope.subject,
) -> dict[K, V]:
    """What `read` gives for the `key` of every event the transaction holds (by default its
    subject, the reference of the case it is about), read at the first ask and kept under `name`
    for the rest of the transaction; empty outside a consumer's transaction."""
    kept = kept_for_transaction(session)
    if name not in kept:
        keys = {key(envelope) for envelope in events_in_transaction(session)}
        kept[name] = await read(keys) if keys else {}
    found: dict[K, V] = kept[name]
    return found


def exactly_once(
    sessions: SessionMaker,
    consumer: str,
    handler: TransactionalHandler,
    after_commit: Callable[[], None] | None = None,
) -> ExactlyOnce:
    """Wrap a handler so its effects and the inbox record commit together, or not at all."""
    return ExactlyOnce(sessions, consumer, handler, after_commit)


class ExactlyOnce:
    """A handler whose effects commit with the event's inbox record: one event in its own
    transaction, or a fetched batch of events in one transaction together.

    `after_commit` is told once each transaction has committed.
    """

    def __init__(
        self,
        sessions: SessionMaker,
        consumer: str,
        handler: TransactionalHandler,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.consumer = consumer
        self.handler = handler
        self.after_commit = after_commit

    async def __call__(self, envelope: Envelope) -> None:
        try:
            async with self.sessions() as session, session.begin():
                # Written first, which on SQLite takes the write lock before any read; an event
                # handled already is refused by the record's key and rolls back below.
                await session.execute(_RECORD, self._row(envelope))
                kept_for_transaction(session)[_BATCH] = (envelope,)
                await self.handler(session, envelope)
        except IntegrityError:
            # Handled already, or a concurrent delivery of the same event committed first.
            async with self.sessions() as session:
                seen = await session.scalars(
                    _SEEN, {"consumer": self.consumer, "ids": [envelope.id]}
                )
                if seen.first() is None:
                    raise
            self._already_processed(envelope)
            return
        if self.after_commit is not None:
            self.after_commit()

    @asynccontextmanager
    async def together(self, envelopes: Sequence[Envelope]) -> AsyncIterator[Handler]:
        """A handler for each of `envelopes` in turn, in one transaction that commits when the
        block ends; if anything raises, nothing of the batch is kept.

        The batch's inbox records are written in one statement just before the commit, so a
        handler's first query does not flush the record of its event on its own."""
        async with self.sessions() as session, session.begin():
            seen = set(
                await session.scalars(
                    _SEEN, {"consumer": self.consumer, "ids": in_list(e.id for e in envelopes)}
                )
            )
            handled: list[dict[str, Any]] = []
            kept_for_transaction(session)[_BATCH] = tuple(
                envelope for envelope in envelopes if envelope.id not in seen
            )

            async def handle(envelope: Envelope) -> None:
                if envelope.id in seen:
                    self._already_processed(envelope)
                    return
                seen.add(envelope.id)
                handled.append(self._row(envelope))
                await self.handler(session, envelope)

            yield handle
            if handled:
                await session.execute(_RECORD, handled)
        if self.after_commit is not None:
            self.after_commit()

    def _row(self, envelope: Envelope) -> dict[str, Any]:
        """The event's inbox record, as the columns the batch's one insert writes."""
        return {
            "event_id": envelope.id,
            "consumer": self.consumer,
            "event_type": envelope.type,
            "processed_at": datetime.now(UTC),
        }

    def _already_processed(self, envelope: Envelope) -> None:
        log.info(
            "event already processed, acknowledging again",
            extra={"event_id": envelope.id, "consumer": self.consumer},
        )
