"""Promised dates: counted in business days from the step before, paused while the part waits."""

from datetime import date

import pytest

from case_tracking.domain.calendar import calendar_for
from case_tracking.domain.standards import PartClock, Pause, Promise, Standards, promises
from nowrongdoor.contracts.vocabulary import ServiceStandard

FRANCE = calendar_for("FR")
STANDARDS = Standards(acknowledge_days=5, admissibility_days=4, resolve_days=20)
MONDAY = date(2026, 11, 30)


def by_standard(clock: PartClock, today: date) -> dict[ServiceStandard, Promise]:
    return {p.standard: p for p in promises(STANDARDS, FRANCE, clock, today=today)}


def test_a_new_part_promises_only_its_acknowledgement() -> None:
    promised = by_standard(PartClock(opened_on=MONDAY), today=MONDAY)

    assert list(promised) == [
        ServiceStandard.ACKNOWLEDGE,
        ServiceStandard.ADMISSIBILITY,
        ServiceStandard.RESOLUTION,
    ]
    assert promised[ServiceStandard.ACKNOWLEDGE] == Promise(
        ServiceStandard.ACKNOWLEDGE,
        due=date(2026, 12, 7),
        met_on=None,
        paused=False,
        breached=False,
    )
    assert promised[ServiceStandard.ADMISSIBILITY].due is None
    assert promised[ServiceStandard.RESOLUTION].due is None


def test_a_promise_is_breached_only_after_its_due_day() -> None:
    clock = PartClock(opened_on=MONDAY)

    assert not by_standard(clock, today=date(2026, 12, 7))[ServiceStandard.ACKNOWLEDGE].breached
    assert by_standard(clock, today=date(2026, 12, 8))[ServiceStandard.ACKNOWLEDGE].breached


def test_a_step_taken_late_is_met_not_breached() -> None:
    clock = PartClock(opened_on=MONDAY, acknowledged_on=date(2026, 12, 10))

    acknowledge = by_standard(clock, today=date(2026, 12, 20))[ServiceStandard.ACKNOWLEDGE]

    assert acknowledge.met_on == date(2026, 12, 10)
    assert acknowledge.due == date(2026, 12, 7)
    assert not acknowledge.breached


def test_admissibility_counts_from_acknowledgement() -> None:
    clock = PartClock(opened_on=MONDAY, acknowledged_on=date(2026, 12, 2))

    promised = by_standard(clock, today=date(2026, 12, 2))

    assert promised[ServiceStandard.ADMISSIBILITY].due == date(2026, 12, 8)
    assert promised[ServiceStandard.RESOLUTION].due is None


def test_resolution_counts_from_the_admissibility_decision() -> None:
    clock = PartClock(opened_on=MONDAY, acknowledged_on=MONDAY, admissible_on=date(2026, 12, 14))

    resolution = by_standard(clock, today=date(2026, 12, 14))[ServiceStandard.RESOLUTION]

    assert resolution.due == date(2027, 1, 13)  # 20 business days, Christmas and New Year skipped


def test_an_ended_pause_moves_the_due_day_across_the_weekend() -> None:
    waited = Pause(started=date(2026, 12, 1), ended=date(2026, 12, 2))  # one business day
    clock = PartClock(opened_on=MONDAY, acknowledged_on=MONDAY, pauses=(waited,))

    promised = by_standard(clock, today=date(2026, 12, 7))

    assert promised[ServiceStandard.ADMISSIBILITY].due == date(2026, 12, 7)  # was Friday the 4th
    assert not promised[ServiceStandard.ADMISSIBILITY].breached
    assert promised[ServiceStandard.ACKNOWLEDGE].due == date(2026, 12, 7)  # met, not moved


def test_a_pause_before_a_clock_started_does_not_move_it() -> None:
    waited = Pause(started=date(2026, 12, 1), ended=date(2026, 12, 2))
    clock = PartClock(
        opened_on=MONDAY, acknowledged_on=MONDAY, admissible_on=date(2026, 12, 3), pauses=(waited,)
    )

    resolution = by_standard(clock, today=date(2026, 12, 3))[ServiceStandard.RESOLUTION]

    assert resolution.due == FRANCE.add_business_days(date(2026, 12, 3), 20)


def test_a_running_pause_stops_the_clocks_not_yet_met() -> None:
    waiting = Pause(started=date(2026, 12, 1), ended=None)
    clock = PartClock(opened_on=MONDAY, acknowledged_on=MONDAY, pauses=(waiting,))

    promised = by_standard(clock, today=date(2027, 3, 1))

    assert promised[ServiceStandard.ADMISSIBILITY] == Promise(
        ServiceStandard.ADMISSIBILITY, due=None, met_on=None, paused=True, breached=False
    )
    assert promised[ServiceStandard.RESOLUTION].paused
    assert promised[ServiceStandard.ACKNOWLEDGE] == Promise(
        ServiceStandard.ACKNOWLEDGE,
        due=date(2026, 12, 7),
        met_on=MONDAY,
        paused=False,
        breached=False,
    )


def test_negative_standards_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Standards(acknowledge_days=-1, admissibility_days=4, resolve_days=20)
