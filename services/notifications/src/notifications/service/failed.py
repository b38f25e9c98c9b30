"""The operators' dead letter: deliveries that will not be tried again, listed and replayed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from notifications.repository import deliveries as repository
from nowrongdoor.db import SessionMaker, unit_of_work


@dataclass(frozen=True)
class FailedDelivery:
    """What an operator sees of a failed delivery: never an address."""

    id: str
    reference: str
    recipient: str
    channel: str
    kind: str
    attempts: int
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class Replayed:
    """Which deliveries wait to go out again, and which named ones had not failed."""

    replayed: list[str]
    not_failed: list[str]


async def failed(sessions: SessionMaker, reference: str | None = None) -> list[FailedDelivery]:
    """Every failed delivery (of one case, if `reference`), oldest first."""
    async with sessions() as session:
        found = await repository.failed(session, reference)
    return [
        FailedDelivery(
            id=d.id,
            reference=d.reference,
            recipient=d.recipient,
            channel=d.channel,
            kind=d.kind,
            attempts=d.attempts,
            reason=d.last_error or "",
            created_at=d.created_at,
        )
        for d in found
    ]


async def replay(
    sessions: SessionMaker,
    now: datetime,
    *,
    ids: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> Replayed:
    """Make failed deliveries wait to go out at once, with a fresh retry schedule: those named
    by `ids`, or those created in [since, until). Each in its own transaction."""
    chosen = list(ids)
    if since is not None and until is not None:
        async with sessions() as session:
            chosen += [d.id for d in await repository.failed_between(session, since, until)]
    replayed: list[str] = []
    not_failed: list[str] = []
    for delivery_id in chosen:
        async with unit_of_work(sessions) as session:
            done = await repository.replay(session, delivery_id, now)
        (replayed if done else not_failed).append(delivery_id)
        if progress is not None:
            progress(f"{'replayed' if done else 'not failed, left alone'}: {delivery_id}")
    return Replayed(replayed=replayed, not_failed=not_failed)
