"""The published statistics: each month's tables, published once, a day after the month has
ended, and never revised; and the running month's one figure.

A month still running is not published: figures recomputed as cases come in would differ, one
reading to the next, by exactly the cells of the complaint filed in between. The first reading
after a month's grace day (`statistics.GRACE`: what was in flight at midnight has arrived)
computes its figures and stores them (`PublishedMonth`); every later reading serves them as
stored, so a late change (a transfer, a re-routing, a withdrawal) never makes a second version to
set beside the first. Of the running month only the network's count of complaints received so
far is given, in steps of the threshold, with nothing to tell one complaint from another. A
process keeps what it read for a while, so the public API does not read the store on each
request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from case_tracking import repository
from case_tracking.domain import statistics
from case_tracking.domain.statistics import NONE, CaseFact, KeptPromise
from case_tracking.domain.statistics.facts import UNKNOWN
from case_tracking.models import PartPause
from case_tracking.repository import counting
from case_tracking.service import Database
from case_tracking.service.deadlines import part_promises
from nowrongdoor.contracts.statistics import ALL, RunningMonth, Statistics, StatisticsMonths

FRESH_SECONDS = 10.0
"""How long the list of months, and the running month's figure, are kept."""

SETTLED_SECONDS = 300.0
"""How long a published month's figures are kept in a process; they never change."""

T = TypeVar("T")


class Kept(Generic[T]):
    """Values kept until a moment of `timer`, each under its key."""

    def __init__(self, timer: Callable[[], float]) -> None:
        self._timer = timer
        self._values: dict[str, tuple[float, T]] = {}

    def get(self, key: str) -> tuple[T] | None:
        """The value kept under `key`, in a 1-tuple; None when there is none still fresh."""
        found = self._values.get(key)
        if found is None or found[0] <= self._timer():
            return None
        return (found[1],)

    def keep(self, key: str, value: T, seconds: float) -> None:
        self._values[key] = (self._timer() + seconds, value)


@dataclass
class StatisticsCache:
    """Figures read in this process, and how long each kind stays fresh."""

    fresh_seconds: float = FRESH_SECONDS
    settled_seconds: float = SETTLED_SECONDS
    timer: Callable[[], float] = time.monotonic
    months: Kept[StatisticsMonths] = field(init=False)
    figures: Kept[Statistics] = field(init=False)
    running: Kept[RunningMonth] = field(init=False)
    examined: tuple[str, int] | None = field(default=None, init=False)
    """The first month not to publish, and how many complaints had been received before it,
    when every month before it was last published or found empty in this process: the cases
    need reading again only once another month has ended or a complaint of an earlier month
    is heard late."""

    def __post_init__(self) -> None:
        self.months = Kept(self.timer)
        self.figures = Kept(self.timer)
        self.running = Kept(self.timer)


async def months(db: Database, cache: StatisticsCache, now: datetime) -> StatisticsMonths:
    """The months published, oldest first: every month ended by `now`, and past its grace day,
    in which anything was received or closed. One not yet read is published now, as it stands."""
    kept = cache.months.get(ALL)
    if kept is not None:
        return kept[0]
    unsettled = statistics.first_unpublished(now)
    async with db.sessions() as session:
        stored = await counting.published_months(session)
        # A month gains figures after it ended only by a complaint received in it heard late:
        # the parts' endings and advice are dated when they happen, in a month still running.
        earlier = await counting.complaints_received(
            session, before=statistics.month_start(now - statistics.GRACE)
        )
    if cache.examined != (unsettled, earlier):
        await _publish_ended(db, stored, unsettled, now)
        cache.examined = (unsettled, earlier)
    found = StatisticsMonths(months=sorted(stored))
    cache.months.keep(ALL, found, cache.fresh_seconds)
    return found


async def _publish_ended(db: Database, stored: set[str], unsettled: str, now: datetime) -> None:
    """Publish every month before `unsettled` with figures and not yet stored, adding each to
    `stored`."""
    # Promises are judged only for a month to publish: listing reads the codes and instants.
    unpublished = [
        ended
        for ended in statistics.months_with_figures(await _facts(db, now=None))
        if ended < unsettled and ended not in stored
    ]
    facts = await _facts(db, now=now) if unpublished else []
    for ended in unpublished:
        if await _publish(db, facts, ended, now) is not None:
            stored.add(ended)


async def month(
    db: Database, cache: StatisticsCache, wanted: str, now: datetime
) -> Statistics | None:
    """Everything published for the month `wanted` (`YYYY-MM`); None while it is still running,
    in its grace day or yet to come, and for an ended month in which nothing was received or
    closed.

    Promised dates count once decided: kept when the step was taken by the day, missed when it
    was not and the day had passed when the month was published."""
    if wanted >= statistics.first_unpublished(now):
        return None  # not published before it has ended and settled
    kept = cache.figures.get(wanted)
    if kept is not None:
        return kept[0]
    async with db.sessions() as session:
        stored = await counting.published_month(session, wanted)
    figures = (
        Statistics.model_validate(stored)
        if stored is not None
        else await _publish(db, await _facts(db, now=now), wanted, now)
    )
    if figures is not None:
        cache.figures.keep(wanted, figures, cache.settled_seconds)
    return figures


async def running(db: Database, cache: StatisticsCache, now: datetime) -> RunningMonth:
    """The running month's one figure: the complaints the network received since it began."""
    kept = cache.running.get(ALL)
    if kept is not None:
        return kept[0]
    async with db.sessions() as session:
        received = await counting.complaints_received(session, since=statistics.month_start(now))
    figure = statistics.running_figure(received)
    found = RunningMonth(
        month=statistics.month_of(now), complaints_received=figure, suppressed=figure is None
    )
    cache.running.keep(ALL, found, cache.fresh_seconds)
    return found


async def _publish(
    db: Database, facts: list[CaseFact], wanted: str, now: datetime
) -> Statistics | None:
    """Count the ended month `wanted` and store it as published; what was stored first if
    another reading got there before. None, and nothing stored, when nothing happened in it."""
    # Counting and auditing every cell is CPU work: off the event loop, so consumers go on.
    figures = await asyncio.to_thread(statistics.published, facts, wanted)
    if figures is None:
        return None
    async with db.transaction() as session:
        kept = await counting.publish_month(session, wanted, figures.model_dump(mode="json"), now)
    return Statistics.model_validate(kept)


async def _facts(db: Database, *, now: datetime | None) -> list[CaseFact]:
    """Every part, and every complaint ended in advice, as an anonymous fact; promises are
    judged at `now`, and left out without one."""
    async with db.sessions() as session:
        parts = await counting.counted_parts(session)
        advice = await counting.counted_advice(session)
        pauses = (
            await repository.pauses(session, (c.part.id for c in parts if c.part.id is not None))
            if now is not None
            else {}
        )
    facts = [_part_fact(counted, pauses.get(counted.part.id or 0, []), now) for counted in parts]
    facts.extend(_advice_fact(counted) for counted in advice)
    return facts


def _part_fact(
    counted: counting.CountedPart, pauses: list[PartPause], now: datetime | None
) -> CaseFact:
    part, received_at = counted.part, counted.received_at

    def days_to(at: datetime | None) -> float | None:
        return statistics.days_between(received_at, at) if at is not None else None

    def month(at: datetime | None) -> str | None:
        return statistics.month_of(at) if at is not None else None

    return CaseFact(
        institution=part.institution_id,
        office=part.office_id or NONE,
        category=counted.category or UNKNOWN,
        respondent_type=counted.respondent_type or UNKNOWN,
        territory_path=statistics.territory_path(
            counted.respondent_territory, counted.territory_path
        ),
        channel=counted.channel or UNKNOWN,
        received_month=statistics.month_of(received_at),
        ended_month=month(part.ended_at),
        outcome=(part.outcome or NONE) if part.ended_at is not None else None,
        acknowledged_month=month(part.acknowledged_at),
        acknowledge_days=days_to(part.acknowledged_at),
        admissibility_month=month(part.admissibility_decided_at),
        admissibility_days=days_to(part.admissibility_decided_at),
        end_days=days_to(part.ended_at),
        promises=_decided_promises(counted, pauses, now) if now is not None else (),
    )


def _decided_promises(
    counted: counting.CountedPart, pauses: list[PartPause], now: datetime
) -> tuple[KeptPromise, ...]:
    decided = []
    for promise in part_promises(counted.part, pauses, counted.respondent_territory, now=now):
        if promise.due is None:
            continue
        if promise.met_on is not None:
            kept = promise.met_on <= promise.due
        elif promise.breached:
            kept = False
        else:  # still open, its day not yet passed
            continue
        decided.append(KeptPromise(promise.standard, promise.due.strftime("%Y-%m"), kept))
    return tuple(decided)


def _advice_fact(counted: counting.CountedAdvice) -> CaseFact:
    return CaseFact(
        institution=NONE,
        office=NONE,
        category=counted.category or UNKNOWN,
        respondent_type=counted.respondent_type or UNKNOWN,
        territory_path=statistics.territory_path(
            counted.respondent_territory, counted.territory_path
        ),
        channel=counted.channel or UNKNOWN,
        received_month=statistics.month_of(counted.received_at),
        ended_month=statistics.month_of(counted.ended_at),
        outcome=NONE,
        end_days=statistics.days_between(counted.received_at, counted.ended_at),
    )
