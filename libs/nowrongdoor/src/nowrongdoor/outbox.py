"""The transactional outbox, and the relay that publishes it.

Domain code adds an event to the outbox in the same transaction as the state change; the relay
publishes it with `Nats-Msg-Id` equal to its id and marks it sent only after JetStream acknowledged
it. A crash between the two republishes the same id, which JetStream's duplicate window drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col, select

from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.contracts.events import Event
from nowrongdoor.db import SessionMaker, UTCDateTime, kept_for_transaction, unit_of_work
from nowrongdoor.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE

log = logging.getLogger(__name__)


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"

    id: str = Field(primary_key=True, max_length=64)
    subject: str = Field(max_length=200)
    type: str = Field(max_length=200)
    source: str = Field(max_length=200)
    event_subject: str = Field(max_length=200, description="ce-subject: the case reference")
    payload: str
    traceparent: str | None = Field(default=None, max_length=100)
    tracestate: str | None = Field(default=None, max_length=512)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def envelope(self) -> Envelope:
        return Envelope(
            id=self.id,
            source=self.source,
            type=self.type,
            subject=self.event_subject,
            time=self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=UTC),
            data=self.payload.encode(),
            traceparent=self.traceparent,
            tracestate=self.tracestate,
        )


_PENDING = "nowrongdoor.outbox-pending"
"""Where a transaction keeps the outbox rows it will insert as it commits."""


def add_event(session: AsyncSession, event: Event, *, source: str, subject: str) -> Envelope:
    """Write `event` to the outbox inside the caller's transaction.

    The transaction's events are inserted together, in one statement, as it commits; one that
    rolls back writes none of them."""
    envelope = Envelope.wrap(event, source=source, subject=subject)
    kept_for_transaction(session).setdefault(_PENDING, []).append(
        {
            "id": envelope.id,
            "subject": event.subject,
            "type": envelope.type,
            "source": envelope.source,
            "event_subject": envelope.subject,
            "payload": envelope.data.decode(),
            "traceparent": envelope.traceparent,
            "tracestate": envelope.tracestate,
            "created_at": envelope.time,
            "published_at": None,
        }
    )
    return envelope


@sa.event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Insert the events the committing transaction added, without building a model of each."""
    pending = kept_for_transaction(session).pop(_PENDING, None)
    if pending:
        session.execute(sa.insert(OutboxMessage.__table__), pending)  # type: ignore[attr-defined]


async def sample_backlog(sessions: SessionMaker) -> None:
    """Set the outbox gauges: rows not yet published, and how long the oldest has waited."""
    async with sessions() as session:
        count, oldest = (
            await session.execute(
                select(sa.func.count(), sa.func.min(col(OutboxMessage.created_at))).where(
                    col(OutboxMessage.published_at).is_(None)
                )
            )
        ).one()
    OUTBOX_BACKLOG.set(count)
    if oldest is None:
        OUTBOX_OLDEST_AGE.set(0)
    else:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        OUTBOX_OLDEST_AGE.set(max((datetime.now(UTC) - oldest).total_seconds(), 0.0))


class OutboxRelay:
    """Publishes what the outbox holds, oldest first; woken early by `notify()` after a commit."""

    def __init__(
        self,
        sessions: SessionMaker,
        bus: Bus,
        *,
        batch: int = 100,
        poll_interval: float = 0.5,
        keep_published: timedelta = timedelta(days=7),
        prune_every: float = 3600.0,
    ) -> None:
        self.sessions = sessions
        self.bus = bus
        self.batch = batch
        self.poll_interval = poll_interval
        self.keep_published = keep_published
        self.prune_every = prune_every
        self._wake = asyncio.Event()

    def notify(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        next_prune = loop.time() + self.prune_every
        while not stop.is_set():
            # Cleared before looking, so a commit announced while this pass reads is not lost.
            self._wake.clear()
            try:
                published = await self.publish_pending()
                if loop.time() >= next_prune:
                    await self.prune()
                    next_prune = loop.time() + self.prune_every
            except Exception as error:
                log.warning("outbox relay could not publish", extra={"error": type(error).__name__})
                published = 0
                await asyncio.sleep(1.0)
            if published >= self.batch:
                continue  # more may be waiting; a shorter pass emptied the outbox as it stood
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    async def publish_pending(self) -> int:
        async with self.sessions() as session:
            pending = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.published_at).is_(None))
                    .order_by(col(OutboxMessage.created_at), col(OutboxMessage.id))
                    .limit(self.batch)
                )
            ).all()
        acknowledged: list[str] = []
        try:
            for message in pending:
                await self.bus.publish(message.envelope(), message.subject)
                acknowledged.append(message.id)
        finally:
            # One commit for the batch; what was acknowledged before a failure is marked too.
            if acknowledged:
                async with unit_of_work(self.sessions) as session:
                    await session.execute(
                        sa.update(OutboxMessage)
                        .where(col(OutboxMessage.id).in_(acknowledged))
                        .values(published_at=datetime.now(UTC))
                    )
        return len(pending)

    async def prune(self) -> int:
        """Forget published events older than `keep_published`; the stream keeps them."""
        cutoff = datetime.now(UTC) - self.keep_published
        async with unit_of_work(self.sessions) as session:
            result = await session.execute(
                sa.delete(OutboxMessage).where(col(OutboxMessage.published_at) < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)
