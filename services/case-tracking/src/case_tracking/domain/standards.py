"""The dates an institution promises for each step of its part, on its business-day calendar.

Every day here is a day of the institution's own time zone (`BusinessCalendar.day_of`): a step
taken at 00:30 in Casablanca was taken that Casablanca day, and a promised day is kept until it
ends there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from case_tracking.domain.calendar import BusinessCalendar
from nowrongdoor.contracts.vocabulary import ServiceStandard


@dataclass(frozen=True)
class Standards:
    """The business days an institution gives itself for each step."""

    acknowledge_days: int
    admissibility_days: int
    resolve_days: int

    def __post_init__(self) -> None:
        if min(self.acknowledge_days, self.admissibility_days, self.resolve_days) < 0:
            raise ValueError("A service standard is a number of days, never negative")

    def days(self, standard: ServiceStandard) -> int:
        return {
            ServiceStandard.ACKNOWLEDGE: self.acknowledge_days,
            ServiceStandard.ADMISSIBILITY: self.admissibility_days,
            ServiceStandard.RESOLUTION: self.resolve_days,
        }[standard]


@dataclass(frozen=True)
class Pause:
    """A time the part waited for the complainant, its clocks stopped."""

    started: date
    ended: date | None  # None: still paused


@dataclass(frozen=True)
class PartClock:
    """The days the steps of one institution's part were taken, and its pauses."""

    opened_on: date  # the part opened (acknowledge counts from here)
    acknowledged_on: date | None = None  # admissibility counts from here
    admissible_on: date | None = None  # resolution counts from here (decided either way)
    resolved_on: date | None = None
    pauses: tuple[Pause, ...] = ()

    @property
    def paused(self) -> bool:
        return any(pause.ended is None for pause in self.pauses)

    def counts_from(self, standard: ServiceStandard) -> date | None:
        """The day of the step before: a standard's clock starts there."""
        return {
            ServiceStandard.ACKNOWLEDGE: self.opened_on,
            ServiceStandard.ADMISSIBILITY: self.acknowledged_on,
            ServiceStandard.RESOLUTION: self.admissible_on,
        }[standard]

    def met_on(self, standard: ServiceStandard) -> date | None:
        return {
            ServiceStandard.ACKNOWLEDGE: self.acknowledged_on,
            ServiceStandard.ADMISSIBILITY: self.admissible_on,
            ServiceStandard.RESOLUTION: self.resolved_on,
        }[standard]


@dataclass(frozen=True)
class Promise:
    """One step's promised day. A met step is never breached; lateness is `met_on > due`."""

    standard: ServiceStandard
    due: date | None  # None while paused, or before the step it counts from was taken
    met_on: date | None
    paused: bool
    breached: bool  # due is set, not met, and the institution's today is after due


def promises(
    standards: Standards, calendar: BusinessCalendar, clock: PartClock, *, today: date
) -> list[Promise]:
    """Acknowledge, admissibility and resolution, each counted from the step before it."""
    return [
        promise(standards, calendar, clock, standard, today=today) for standard in ServiceStandard
    ]


def promise(
    standards: Standards,
    calendar: BusinessCalendar,
    clock: PartClock,
    standard: ServiceStandard,
    *,
    today: date,
) -> Promise:
    """One standard's due day, moved on by the business days paused after its clock started."""
    start, met_on = clock.counts_from(standard), clock.met_on(standard)
    paused = met_on is None and clock.paused
    if start is None or paused:
        return Promise(standard, due=None, met_on=met_on, paused=paused, breached=False)
    due = calendar.add_business_days(start, standards.days(standard))
    due = calendar.add_business_days(due, _paused_days(calendar, clock.pauses, start, met_on))
    breached = met_on is None and today > due
    return Promise(standard, due=due, met_on=met_on, paused=False, breached=breached)


def _paused_days(
    calendar: BusinessCalendar, pauses: tuple[Pause, ...], start: date, met_on: date | None
) -> int:
    """Business days spent paused after the clock started and before the step was taken."""
    total = 0
    for pause in pauses:
        ends = [day for day in (pause.ended, met_on) if day is not None]
        if ends:  # a pause still running counts only for the steps taken during it
            total += calendar.business_days_between(max(pause.started, start), min(ends))
    return total
