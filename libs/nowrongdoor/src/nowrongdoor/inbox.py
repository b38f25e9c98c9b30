"""The inbox: every consumer handles an event once, whatever JetStream redelivers.

The processed event id is recorded in the same transaction as the handler's side effects, and the
message is acknowledged only after that commit. A redelivered event finds its id and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from nowrongdoor.bus import Envelope, Handler
from nowrongdoor.db import SessionMaker, UTCDateTime

log = logging.getLogger(__name__)

TransactionalHandler = Callable[[AsyncSession, Envelope], Awaitable[None]]


class InboxEntry(SQLModel, table=True):
    __tablename__ = "inbox"

    event_id: str = Field(primary_key=True, max_length=64)
    consumer: str = Field(primary_key=True, max_length=100)
    event_type: str = Field(max_length=200)
    processed_at: datetime = Field(sa_type=UTCDateTime)


def exactly_once(
    sessions: SessionMaker,
    consumer: str,
    handler: TransactionalHandler,
    after_commit: Callable[[], None] | None = None,
) -> Handler:
    """Wrap a handler so its effects and the inbox record commit together, or not at all."""

    async def handle(envelope: Envelope) -> None:
        try:
            async with sessions() as session, session.begin():
                seen = await session.get(InboxEntry, (envelope.id, consumer))
                if seen is not None:
                    log.info(
                        "event already processed, acknowledging again",
                        extra={"event_id": envelope.id, "consumer": consumer},
                    )
                    return
                session.add(
                    InboxEntry(
                        event_id=envelope.id,
                        consumer=consumer,
                        event_type=envelope.type,
                        processed_at=datetime.now(UTC),
                    )
                )
                await session.flush()
                await handler(session, envelope)
        except IntegrityError:
            # A concurrent delivery of the same event committed first; nothing more to do.
            async with sessions() as session:
                if await session.get(InboxEntry, (envelope.id, consumer)) is None:
                    raise
            return
        if after_commit is not None:
            after_commit()

    return handle
