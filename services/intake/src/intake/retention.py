"""Retention: personal data is purged a set time after its case closed; the facts stay.

Each institution may keep personal data longer or shorter than the default; for a joint case the
longest time among the institutions that took part applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select

from intake import audit
from intake.models import Submission
from intake.privacy import remove_personal_data
from nowrongdoor.db import SessionMaker, unit_of_work

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class RetentionPolicy:
    default_days: int
    days_by_institution: Mapping[str, int] = field(default_factory=dict)

    def days_for(self, institution_ids: Iterable[str]) -> int:
        days = [self.days_by_institution.get(i, self.default_days) for i in institution_ids]
        return max(days, default=self.default_days)

    def purge_due_at(self, closed_at: datetime, institution_ids: Iterable[str]) -> datetime:
        return closed_at + timedelta(days=self.days_for(institution_ids))

    @property
    def shortest_days(self) -> int:
        return min([self.default_days, *self.days_by_institution.values()])


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
    """Purge every submission whose retention has run out; one transaction per page."""
    # Nothing closed more recently than the shortest retention can be due.
    horizon = now - timedelta(days=policy.shortest_days)
    done: list[DuePurge] = []
    after: tuple[datetime, str] | None = None
    while True:
        async with unit_of_work(sessions) as session:
            query = (
                select(
                    Submission.reference, Submission.closed_at, Submission.involved_institution_ids
                )
                .where(
                    col(Submission.closed_at).is_not(None),
                    col(Submission.closed_at) <= horizon,
                    col(Submission.erased_at).is_(None),
                )
                .order_by(col(Submission.closed_at), col(Submission.reference))
                .limit(page_size)
            )
            if after is not None:
                query = query.where(
                    (col(Submission.closed_at) > after[0])
                    | (
                        (col(Submission.closed_at) == after[0])
                        & (col(Submission.reference) > after[1])
                    )
                )
            page = (await session.execute(query)).all()
            for reference, closed_at, institution_ids in page:
                assert closed_at is not None
                if policy.purge_due_at(closed_at, institution_ids) > now:
                    continue
                days = policy.days_for(institution_ids)
                if not dry_run:
                    if not await remove_personal_data(session, reference, "retention", now):
                        continue  # another replica purged it a moment ago
                    audit.record(
                        session,
                        audit.RETENTION,
                        "purge",
                        reference=reference,
                        detail=f"closed {closed_at.date().isoformat()}, kept {days} days",
                        at=now,
                    )
                done.append(DuePurge(reference, closed_at, days))
        if len(page) < page_size:
            break
        last_reference, last_closed_at, _ = page[-1]
        assert last_closed_at is not None
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
