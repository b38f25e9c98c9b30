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
from typing import Any

import sqlalchemy as sa
from nats.js import api
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col, select

from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import Event
from nowrongdoor.db import (
    SessionMaker,
    UTCDateTime,
    in_list,
    insert_at_commit,
    unit_of_work,
)
from nowrongdoor.envelope import Envelope
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


_TABLE: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]


def add_event(session: AsyncSession, event: Event, *, source: str, subject: str) -> Envelope:
    """Write `event` to the outbox inside the caller's transaction.

    The transaction's events are inserted together, in one statement, as it commits; one that
    rolls back writes none of them."""
    envelope = Envelope.wrap(event, source=source, subject=subject)
    insert_at_commit(
        session,
        _TABLE,
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
        },
    )
    return envelope


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


PUBLISH_TIMEOUT = 5.0
"""Seconds a relay's batch waits for JetStream's acknowledgements."""

_WAITING = (
    sa.select(_TABLE)
    .where(_TABLE.c.published_at.is_(None))
    .order_by(_TABLE.c.created_at, _TABLE.c.id)
    .limit(sa.bindparam("batch", type_=sa.Integer))
)
"""The oldest events not yet published, built once: the relay reads them on every pass."""

_MARK_SENT = (
    sa.update(_TABLE)
    .where(_TABLE.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(published_at=sa.bindparam("sent_at", type_=UTCDateTime()))
)
"""Mark a pass's acknowledged events sent, built once; a plain table update, so the session
has no objects of it to bring up to date."""


def _envelope(row: sa.Row[Any]) -> Envelope:
    """The event an outbox row holds, as it is sent on the wire."""
    created_at: datetime = row.created_at
    return Envelope(
        id=row.id,
        source=row.source,
        type=row.type,
        subject=row.event_subject,
        time=created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC),
        data=row.payload.encode(),
        traceparent=row.traceparent,
        tracestate=row.tracestate,
    )


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
        """Publish the oldest waiting events, at most a batch; how many there were.

        The batch is sent in order without waiting for each acknowledgement in turn. Only the
        events up to the first one not acknowledged are marked: those after it may have been
        stored too, and are published again on the next pass, where JetStream drops them as
        duplicates of their `Nats-Msg-Id`.
        """
        async with self.sessions() as session:
            waiting = (await session.execute(_WAITING, {"batch": self.batch})).all()
        acknowledged: list[str] = []
        sent: list[asyncio.Future[api.PubAck]] = []
        try:
            for row in waiting:
                sent.append(await self.bus.send(_envelope(row), row.subject))
            async with asyncio.timeout(PUBLISH_TIMEOUT):
                for row, acknowledgement in zip(waiting, sent, strict=False):
                    await acknowledgement
                    acknowledged.append(row.id)
        finally:
            for acknowledgement in sent:
                acknowledgement.cancel()  # stops waiting for what was not acknowledged in time
            # One commit for the batch; what was acknowledged before a failure is marked too.
            if acknowledged:
                async with unit_of_work(self.sessions) as session:
                    await session.execute(
                        _MARK_SENT, {"ids": in_list(acknowledged), "sent_at": datetime.now(UTC)}
                    )
        return len(waiting)

    async def prune(self) -> int:
        """Forget published events older than `keep_published`; the stream keeps them."""
        cutoff = datetime.now(UTC) - self.keep_published
        async with unit_of_work(self.sessions) as session:
            result = await session.execute(
                sa.delete(OutboxMessage).where(col(OutboxMessage.published_at) < cutoff)
            )
        return int(getattr(result, "rowcount", 0) or 0)
