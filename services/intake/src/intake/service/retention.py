"""Retention: personal data is purged a set time after its case closed; the facts stay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from intake import repository
from intake.domain.audit import RETENTION
from intake.domain.retention import RetentionPolicy
from intake.service.removal import remove_personal_data
from nowrongdoor.db import SessionMaker, unit_of_work

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class DuePurge:
    reference: str
    closed_at: datetime
    retention_days: int


async def purge(
    sessions: SessionMaker,
    policy: RetentionPolicy,
    now: datetime,
    *,
    dry_run: bool = False,
    page_size: int = 500,
) -> list[DuePurge]:
    """Purge every submission whose retention has run out; one transaction per page. Audited."""
    horizon = now - timedelta(days=policy.shortest_days)
    done: list[DuePurge] = []
    after: tuple[datetime, str] | None = None
    while True:
        async with unit_of_work(sessions) as session:
            page = await repository.closed_holding_personal_data(
                session, horizon, after=after, limit=page_size
            )
            for reference, closed_at, institution_ids in page:
                if policy.purge_due_at(closed_at, institution_ids) > now:
                    continue
                days = policy.days_for(institution_ids)
                if not dry_run:
                    if not await remove_personal_data(session, reference, "retention", now):
                        continue  # another replica purged it a moment ago
                    repository.add_audit_entry(
                        session,
                        RETENTION,
                        "purge",
                        at=now,
                        reference=reference,
                        detail=f"closed {closed_at.date().isoformat()}, kept {days} days",
                    )
                done.append(DuePurge(reference, closed_at, days))
        if len(page) < page_size:
            break
        last_reference, last_closed_at, _ = page[-1]
        after = (last_closed_at, last_reference)
    if done and not dry_run:
        log.info("purged personal data after retention", extra={"submissions": len(done)})
    return done


async def purge_periodically(
    sessions: SessionMaker,
    policy: RetentionPolicy,
    clock: Clock,
    interval_seconds: float,
    stop: asyncio.Event,
) -> None:
    """Purge now, then every `interval_seconds`, until `stop` is set."""
    while not stop.is_set():
        try:
            await purge(sessions, policy, clock())
        except Exception as error:
            log.warning("retention purge failed", extra={"error": type(error).__name__})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
