"""Promised dates: each part's, from its institution's standards and calendar; and their breaches.

A broken promise is announced exactly once per part and standard: the announcement and a unique
claim row commit together, so a second check, a restart or another replica finds the claim and
stays silent. The periodic check finds candidates through each part's `due_on`, the earliest
promised day of a step not yet taken, kept up to date by every change of the part.

Every day is the institution's own: its steps' instants become days of its calendar's time zone,
and a promise is broken only once its day has ended there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from case_tracking import repository
from case_tracking.domain.calendar import BusinessCalendar, calendar_for, latest_day
from case_tracking.domain.lifecycle import FINAL
from case_tracking.domain.standards import PartClock, Pause, Promise, Standards, promises
from case_tracking.models import CaseGroup, CasePart, PartPause
from case_tracking.service import SOURCE, Database
from nowrongdoor.contracts.events import CaseDeadlineBreached, NextPromise
from nowrongdoor.contracts.vocabulary import CaseStatus, ServiceStandard
from nowrongdoor.outbox import add_event

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def part_promises(
    part: CasePart,
    pauses: Sequence[PartPause],
    territory: str | None,
    *,
    now: datetime | None = None,
    today: date | None = None,
) -> list[Promise]:
    """The part's promises as they stand at the instant `now`, judged on the institution's own
    day (or on `today`, a day of the institution's calendar already); none for a part without
    standards, or one transferred away or withdrawn, whose promises no longer bind anyone."""
    standards = _standards(part)
    calendar = promise_calendar(part, territory)
    if standards is None or calendar is None:
        return []
    if now is not None:
        today = calendar.day_of(now)
    elif today is None:
        raise TypeError("part_promises needs the instant `now` or the institution's `today`")
    found = promises(standards, calendar, _clock(part, pauses, calendar), today=today)
    if part.admissible is False:  # found inadmissible: there is nothing to resolve
        found = [p for p in found if p.standard != ServiceStandard.RESOLUTION]
    return found


def promise_calendar(part: CasePart, territory: str | None) -> BusinessCalendar | None:
    """The calendar on whose days the part's promises are judged; None for a part that promises
    nothing: one without standards or a calendar, or transferred away or withdrawn."""
    if _standards(part) is None or part.status in (CaseStatus.TRANSFERRED, CaseStatus.WITHDRAWN):
        return None
    return _calendar(part, territory)


def institution_day(country: str | None, now: datetime) -> date:
    """The day it is at `now` for an institution counting on `country`'s calendar, to compare
    with its parts' `due_on`; the UTC day for one without a calendar, which promises nothing."""
    if country is not None:
        with contextlib.suppress(ValueError):
            return calendar_for(country).day_of(now)
    return now.astimezone(UTC).date()


def institution_next_day(country: str | None, now: datetime) -> datetime:
    """When the institution's next day begins after `now`, by `institution_day`'s reckoning."""
    if country is not None:
        with contextlib.suppress(ValueError):
            return calendar_for(country).next_day_start(now)
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)


def refresh_due(
    part: CasePart, pauses: Sequence[PartPause], territory: str | None, *, today: date
) -> None:
    """Set the earliest promised day of a step not yet taken; none while paused or once final.

    The days come from the part's own instants on its calendar; `today` changes none of them."""
    if part.status in FINAL:
        part.due_on = None
        return
    open_days = [
        p.due
        for p in part_promises(part, pauses, territory, today=today)
        if p.due is not None and p.met_on is None
    ]
    part.due_on = min(open_days, default=None)


async def next_promises(
    session: AsyncSession,
    reference: str,
    now: datetime,
    *,
    group: CaseGroup | None = None,
    parts: Sequence[CasePart] | None = None,
) -> list[NextPromise]:
    """Each part's next promised step not yet taken, as the complainant is told it; none for a
    part that is paused, final, or has no standards.

    `group` and `parts` (every part of the case) are read when not handed in."""
    if group is None:
        group = await repository.case_group(session, reference)
    if parts is None:
        parts = await repository.parts(session, reference)
    waits = await repository.pauses(session, [part.id for part in parts if part.id is not None])
    territory = group.respondent_territory if group is not None else None
    found = []
    for part in parts:
        if part.status in FINAL:
            continue
        open_steps = [
            promise
            for promise in part_promises(part, waits.get(part.id or 0, []), territory, now=now)
            if promise.due is not None and promise.met_on is None and not promise.paused
        ]
        if open_steps:
            step = min(open_steps, key=lambda promise: promise.due or date.max)
            found.append(
                NextPromise(
                    institution_id=part.institution_id, standard=step.standard, due=step.due
                )
            )
    return found


async def claim_breaches(
    session: AsyncSession,
    part: CasePart,
    pauses: Sequence[PartPause],
    territory: str | None,
    now: datetime,
) -> int:
    """Announce each promise of `part` broken by `now` and not announced before; how many."""
    announced = 0
    for promise in part_promises(part, pauses, territory, now=now):
        if not promise.breached or promise.due is None:
            continue
        claimed = await repository.claim_breach(
            session,
            reference=part.reference,
            institution_id=part.institution_id,
            standard=promise.standard.value,
            due=promise.due,
            at=now,
        )
        if claimed:
            add_event(
                session,
                CaseDeadlineBreached(
                    reference=part.reference,
                    institution_id=part.institution_id,
                    standard=promise.standard,
                    due=promise.due,
                    breached_at=now,
                ),
                source=SOURCE,
                subject=part.reference,
            )
            announced += 1
    return announced


async def check_deadlines(db: Database, now: datetime) -> int:
    """Announce every promise broken by `now` that nobody announced yet; how many were."""
    async with db.sessions() as session:
        # `due_on` is each institution's local day: ask for every part past due anywhere on
        # Earth, then judge each on its own calendar's day below.
        candidates = await repository.parts_past_due(session, latest_day(now))
        claimed = await repository.claimed_breaches(
            session, (part.reference for part, _ in candidates)
        )
        held = await repository.pauses(session, (part.id for part, _ in candidates if part.id))
    announced = 0
    for part, territory in candidates:
        assert part.id is not None
        waits = held[part.id]
        broken = [
            p
            for p in part_promises(part, waits, territory, now=now)
            if p.breached and (part.reference, part.institution_id, p.standard.value) not in claimed
        ]
        if not broken:
            continue
        # Each part in its own short transaction; the claim decides who announces it.
        async with db.transaction() as session:
            announced += await claim_breaches(session, part, waits, territory, now)
    if announced:
        log.info("promised dates breached", extra={"announced": announced})
    return announced


async def check_periodically(
    db: Database, clock: Clock, interval_seconds: float, stop: asyncio.Event
) -> None:
    """Check now, then every `interval_seconds`, until `stop` is set."""
    while not stop.is_set():
        try:
            await check_deadlines(db, clock())
        except Exception as error:
            log.warning("deadline check failed", extra={"error": type(error).__name__})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)


def _standards(part: CasePart) -> Standards | None:
    days = (part.acknowledge_days, part.admissibility_days, part.resolve_days)
    if any(day is None for day in days):
        return None
    acknowledge, admissibility, resolve = (int(day or 0) for day in days)
    return Standards(acknowledge, admissibility, resolve)


def stored_closing_days(days: Iterable[date]) -> list[str] | None:
    """An institution's closing days as a part keeps them: ISO dates, none when it has none."""
    return sorted(day.isoformat() for day in days) or None


def _calendar(part: CasePart, territory: str | None) -> BusinessCalendar | None:
    """The institution's country's calendar, its own closing days not counted; else that of the
    territory complained about."""
    country = part.calendar or (territory[:2] if territory else None)
    if country is None:
        return None
    closed = frozenset(date.fromisoformat(day) for day in part.closing_days or ())
    try:
        return calendar_for(country, closed)
    except ValueError:
        log.warning("no business calendar for a country", extra={"country": country})
        return None


def _clock(part: CasePart, pauses: Sequence[PartPause], calendar: BusinessCalendar) -> PartClock:
    """The part's steps as days of the institution's own time zone."""

    def day(at: datetime | None) -> date | None:
        return calendar.day_of(at) if at is not None else None

    return PartClock(
        opened_on=calendar.day_of(part.opened_at),
        acknowledged_on=day(part.acknowledged_at),
        admissible_on=day(part.admissibility_decided_at),
        resolved_on=day(part.resolved_at),
        pauses=tuple(Pause(calendar.day_of(p.started_at), day(p.ended_at)) for p in pauses),
    )
