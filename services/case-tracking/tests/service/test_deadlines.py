"""Promised dates as every reader sees them, and each broken promise announced exactly once."""

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from case_tracking_support import (
    Caller,
    MovableClock,
    complainant,
    event_type,
    open_case,
    outbox,
    staff,
    status_changes,
)
from fastapi import FastAPI

from case_tracking.app import create_app
from case_tracking.domain.calendar import TIME_ZONES, calendar_for
from case_tracking.domain.standards import Promise
from case_tracking.models import CasePart, PartPause
from case_tracking.service.deadlines import (
    check_deadlines,
    institution_day,
    part_promises,
    refresh_due,
)
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import ServiceStandardsDays
from nowrongdoor.contracts.vocabulary import CaseStatus, ServiceStandard
from nowrongdoor.testing.apps import eventually, internal_headers, running

As = Callable[[Principal], Caller]
MOROCCO = calendar_for("MA")
BREACHED = event_type("case.deadline-breached")


def promised(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["standard"]: p for p in view["promised"]}


def business_days(start: date, days: int) -> date:
    return MOROCCO.add_business_days(start, days)


async def test_every_reader_sees_the_promised_dates_counted_in_business_days(
    client: httpx.AsyncClient, bus: Bus, as_: As, clock: MovableClock
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    opened = institution_day("MA", clock())
    person, mediateur = as_(complainant(reference)), as_(staff("ma-mediateur"))

    at_first = promised((await person.read(reference)).json())
    await mediateur.step(reference, "acknowledged")
    acknowledged = promised((await mediateur.read(reference)).json())

    assert at_first["acknowledge"] == {
        "institution_id": "ma-mediateur",
        "standard": "acknowledge",
        "due": business_days(opened, 5).isoformat(),
        "met_on": None,
        "paused": False,
        "breached": False,
    }
    assert at_first["admissibility"]["due"] is None
    assert acknowledged["acknowledge"]["met_on"] == opened.isoformat()
    assert acknowledged["admissibility"]["due"] == business_days(opened, 10).isoformat()
    assert acknowledged["resolution"]["due"] is None


async def test_each_status_change_announces_the_next_promised_step_and_none_while_paused(
    client: httpx.AsyncClient, bus: Bus, as_: As, clock: MovableClock, app: FastAPI
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    opened = institution_day("MA", clock())
    mediateur = as_(staff("ma-mediateur"))
    await mediateur.step(reference, "acknowledged")
    await mediateur.step(reference, "awaiting-complainant", reason="Which office?")

    announced = {
        change["status"]: change["promised"]
        for change in await status_changes(app)
        if change["reference"] == reference
    }

    assert announced["routed"] == [
        {
            "institution_id": "ma-mediateur",
            "standard": "acknowledge",
            "due": business_days(opened, 5).isoformat(),
        }
    ]
    assert announced["acknowledged"] == [
        {
            "institution_id": "ma-mediateur",
            "standard": "admissibility",
            "due": business_days(opened, 10).isoformat(),
        }
    ]
    assert announced["awaiting-complainant"] == []


async def test_the_clock_stops_while_awaiting_the_complainant_and_the_day_moves_on(
    client: httpx.AsyncClient, bus: Bus, as_: As, clock: MovableClock
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    await mediateur.step(reference, "acknowledged")
    acknowledged_on = institution_day("MA", clock())
    await mediateur.step(reference, "awaiting-complainant", reason="Which office?")
    paused = promised((await as_(complainant(reference)).read(reference)).json())
    clock.move(days=14)
    resumed_on = institution_day("MA", clock())
    await mediateur.step(reference, "acknowledged")

    moved = promised((await as_(complainant(reference)).read(reference)).json())

    assert (paused["admissibility"]["due"], paused["admissibility"]["paused"]) == (None, True)
    waited = MOROCCO.business_days_between(acknowledged_on, resumed_on)
    assert moved["admissibility"]["due"] == (
        business_days(business_days(acknowledged_on, 10), waited).isoformat()
    )
    assert moved["admissibility"]["paused"] is False


async def test_every_wait_for_the_complainant_moves_the_day_once(
    client: httpx.AsyncClient, bus: Bus, as_: As, clock: MovableClock
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    await mediateur.step(reference, "acknowledged")
    acknowledged_on = institution_day("MA", clock())
    waited = 0
    for days in (7, 14):
        await mediateur.step(reference, "awaiting-complainant", reason="Which office?")
        asked_on = institution_day("MA", clock())
        clock.move(days=days)
        await mediateur.step(reference, "acknowledged")
        waited += MOROCCO.business_days_between(asked_on, institution_day("MA", clock()))

    seen = (await mediateur.read(reference)).json()["promised"]

    assert [(p["institution_id"], p["standard"]) for p in seen] == [
        ("ma-mediateur", "acknowledge"),
        ("ma-mediateur", "admissibility"),
        ("ma-mediateur", "resolution"),
    ]
    assert promised({"promised": seen})["admissibility"]["due"] == (
        business_days(business_days(acknowledged_on, 10), waited).isoformat()
    )


async def test_a_breach_is_announced_once_however_often_and_wherever_the_check_runs(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, settings: CaseTrackingSettings
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    later = app.state.clock() + timedelta(days=30)

    together = await asyncio.gather(
        check_deadlines(app.state.runtime, later), check_deadlines(app.state.runtime, later)
    )
    again = await check_deadlines(app.state.runtime, later + timedelta(days=1))

    assert sorted(together) == [0, 1]
    assert again == 0
    [breach] = await outbox(app, BREACHED)
    assert (breach["reference"], breach["institution_id"], breach["standard"]) == (
        reference,
        "ma-mediateur",
        "acknowledge",
    )
    assert breach["due"] == business_days(institution_day("MA", app.state.clock()), 5).isoformat()

    # After a restart, the same database: the claim is still there.
    restarted = create_app(settings, clock=lambda: later)
    async with running(restarted):
        assert await check_deadlines(restarted.state.runtime, later) == 0
        assert len(await outbox(restarted, BREACHED)) == 1


async def test_the_service_checks_by_itself_on_its_own_clock(
    settings: CaseTrackingSettings, clock: MovableClock
) -> None:
    app = create_app(settings.model_copy(update={"deadline_check_seconds": 0.1}), clock=clock)
    operator = Principal(client_id="operator", kind="admin")
    async with running(app, internal_headers(app.state.data_dir, operator)) as client:
        bus: Bus = app.state.runtime.bus
        reference = await open_case(client, bus, "ma-mediateur")
        clock.move(days=30)

        async def breached() -> list[dict[str, Any]]:
            return await outbox(app, BREACHED)

        [breach] = await eventually(breached)
    assert breach["reference"] == reference


async def test_a_step_taken_late_announces_the_promise_it_broke(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As, clock: MovableClock
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    due = business_days(institution_day("MA", clock()), 5)
    clock.move_to(due + timedelta(days=1))

    await as_(staff("ma-mediateur")).step(reference, "acknowledged")

    [breach] = await outbox(app, BREACHED)
    assert (breach["standard"], breach["due"]) == ("acknowledge", due.isoformat())
    assert await check_deadlines(app.state.runtime, clock()) == 0
    view = promised((await as_(complainant(reference)).read(reference)).json())
    assert view["acknowledge"]["breached"] is True
    assert view["acknowledge"]["met_on"] == institution_day("MA", clock()).isoformat()


async def test_no_promise_without_standards_and_none_after_a_withdrawal(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, as_: As, clock: MovableClock
) -> None:
    unpromised = await open_case(client, bus, "ma-cndh", standards=None)
    withdrawn = await open_case(client, bus, "ma-mediateur")
    await as_(complainant(withdrawn)).post(f"/internal/cases/{withdrawn}/withdrawal", {})
    clock.move(days=60)

    announced = await check_deadlines(app.state.runtime, clock())

    assert (await as_(complainant(unpromised)).read(unpromised)).json()["promised"] == []
    assert announced == 0


async def test_the_overdue_filter_lists_the_cases_past_a_promised_day(
    client: httpx.AsyncClient, bus: Bus, as_: As, clock: MovableClock
) -> None:
    patient = ServiceStandardsDays(acknowledge_days=5, admissibility_days=200, resolve_days=300)
    late = await open_case(client, bus, "ma-mediateur", standards=patient)
    on_time = await open_case(client, bus, "ma-mediateur", standards=patient)
    mediateur = as_(staff("ma-mediateur"))
    await mediateur.step(on_time, "acknowledged")
    clock.move_to(business_days(institution_day("MA", clock()), 5) + timedelta(days=1))

    assert await mediateur.listed("ma-mediateur", overdue="true") == [late]
    assert await mediateur.listed("ma-mediateur", overdue="false") == [on_time]


# -- each institution's own day: its time zone, its weekend and holidays, its pauses ---------


def local(country: str, day: date, at: time) -> datetime:
    """`at` o'clock on `day` where an institution of `country` works."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(TIME_ZONES[country]))


LAST_MINUTE, MIDNIGHT = time(23, 59), time(0, 0)
TUESDAY, WEDNESDAY, THURSDAY = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)


def part_in(country: str, opened_at: datetime, **steps: Any) -> CasePart:
    """A part of an institution of `country` promising 1, 2 and 20 business days."""
    return CasePart(
        id=1,
        reference="NWD-7K3M9QX2VD4H",
        institution_id=f"{country.lower()}-office",
        institution_name="An office",
        role="lead",
        status=steps.pop("status", CaseStatus.ROUTED),
        opened_at=opened_at,
        acknowledge_days=1,
        admissibility_days=2,
        resolve_days=20,
        calendar=country,
        **steps,
    )


def promise_of(
    part: CasePart,
    now: datetime,
    standard: ServiceStandard = ServiceStandard.ACKNOWLEDGE,
    pauses: Sequence[PartPause] = (),
) -> Promise:
    [found] = [p for p in part_promises(part, pauses, None, now=now) if p.standard == standard]
    return found


@pytest.mark.parametrize("country", ["MA", "BE", "FR"])
def test_a_complaint_received_late_in_the_evening_counts_from_that_local_day(
    country: str,
) -> None:
    evening = part_in(country, local(country, TUESDAY, time(23, 30)))
    after_midnight = part_in(country, local(country, WEDNESDAY, time(0, 30)))

    assert promise_of(evening, evening.opened_at).due == WEDNESDAY
    # 23:30 UTC on Tuesday, but already Wednesday for the institution: one day later.
    assert after_midnight.opened_at.astimezone(UTC).date() == TUESDAY
    assert promise_of(after_midnight, after_midnight.opened_at).due == THURSDAY


@pytest.mark.parametrize("country", ["MA", "BE", "FR"])
def test_a_promised_day_is_kept_until_it_ends_in_the_institution_s_zone(country: str) -> None:
    part = part_in(country, local(country, TUESDAY, time(10, 0)))
    refresh_due(part, [], None, today=TUESDAY)

    last_minute = promise_of(part, local(country, WEDNESDAY, LAST_MINUTE))
    next_midnight = promise_of(part, local(country, THURSDAY, MIDNIGHT))

    assert part.due_on == WEDNESDAY
    assert (last_minute.due, last_minute.breached) == (WEDNESDAY, False)
    # Midnight there is still Wednesday 23:00 in UTC: the promise is broken all the same.
    assert local(country, THURSDAY, MIDNIGHT).astimezone(UTC).date() == WEDNESDAY
    assert (next_midnight.due, next_midnight.breached) == (WEDNESDAY, True)


def test_summer_time_ends_the_promised_day_an_hour_earlier_in_utc() -> None:
    opened = local("BE", date(2026, 7, 13), time(10, 0))  # a Monday; Brussels is UTC+2
    part = part_in("BE", opened)

    assert promise_of(part, local("BE", date(2026, 7, 14), LAST_MINUTE)).breached is False
    assert promise_of(part, datetime(2026, 7, 14, 22, 0, tzinfo=UTC)).breached is True


@pytest.mark.parametrize("country", ["MA", "BE", "FR"])
def test_a_complaint_received_on_friday_night_is_due_on_monday(country: str) -> None:
    friday_night = local(country, date(2026, 12, 4), time(23, 45))
    part = part_in(country, friday_night)

    acknowledge = promise_of(part, local(country, date(2026, 12, 7), LAST_MINUTE))

    assert (acknowledge.due, acknowledge.breached) == (date(2026, 12, 7), False)
    assert promise_of(part, local(country, date(2026, 12, 8), MIDNIGHT)).breached


@pytest.mark.parametrize(
    ("country", "eve", "after_the_holiday"),
    [
        ("MA", date(2026, 11, 17), date(2026, 11, 19)),  # Independence Day, 18 November
        ("BE", date(2026, 7, 20), date(2026, 7, 22)),  # National Day, 21 July
        ("FR", date(2026, 12, 24), date(2026, 12, 28)),  # Christmas, a Friday, and the weekend
    ],
)
def test_a_public_holiday_of_the_institution_s_country_is_not_counted(
    country: str, eve: date, after_the_holiday: date
) -> None:
    part = part_in(country, local(country, eve, time(16, 0)))

    on_the_holiday = promise_of(part, local(country, eve + timedelta(days=1), time(12, 0)))
    last_minute = promise_of(part, local(country, after_the_holiday, LAST_MINUTE))

    assert on_the_holiday.due == last_minute.due == after_the_holiday
    assert not on_the_holiday.breached and not last_minute.breached
    next_day = after_the_holiday + timedelta(days=1)
    assert promise_of(part, local(country, next_day, MIDNIGHT)).breached


def test_the_days_waited_for_the_complainant_are_counted_on_the_local_calendar() -> None:
    monday = date(2026, 11, 30)
    acknowledged = local("FR", monday, time(10, 0))
    part = part_in("FR", acknowledged, acknowledged_at=acknowledged)
    # From Tuesday 23:30 to Thursday 00:30 in Paris: Wednesday and Thursday were waited.
    waited = PartPause(
        part_id=1,
        started_at=local("FR", TUESDAY, time(23, 30)),
        ended_at=local("FR", THURSDAY, time(0, 30)),
    )
    waiting = PartPause(part_id=1, started_at=waited.started_at, ended_at=None)
    admissibility = ServiceStandard.ADMISSIBILITY

    unpaused = promise_of(part, acknowledged, admissibility)
    paused = promise_of(part, local("FR", date(2027, 3, 1), time(12, 0)), admissibility, [waiting])
    moved = promise_of(part, local("FR", date(2026, 12, 4), LAST_MINUTE), admissibility, [waited])

    assert unpaused.due == WEDNESDAY
    assert (paused.due, paused.paused, paused.breached) == (None, True, False)
    assert (moved.due, moved.breached) == (date(2026, 12, 4), False)  # two business days on
    later = promise_of(part, local("FR", date(2026, 12, 5), MIDNIGHT), admissibility, [waited])
    assert later.breached


def test_a_part_transferred_away_promises_nothing_any_more() -> None:
    opened = local("MA", TUESDAY, time(10, 0))
    gone = part_in("MA", opened, status=CaseStatus.TRANSFERRED, ended_at=opened)

    assert part_promises(gone, [], None, now=local("MA", date(2027, 1, 4), MIDNIGHT)) == []
    refresh_due(gone, [], None, today=TUESDAY)
    assert gone.due_on is None


def test_an_institution_s_day_is_that_of_its_calendar() -> None:
    after_midnight_in_europe = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)

    assert institution_day("BE", after_midnight_in_europe) == WEDNESDAY
    assert institution_day("MA", after_midnight_in_europe) == WEDNESDAY
    assert institution_day(None, after_midnight_in_europe) == TUESDAY
    assert institution_day("XX", after_midnight_in_europe) == TUESDAY


class SetClock:
    """The real time until the test sets an instant; then that instant."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or datetime.now(UTC)


async def test_a_transfer_after_midnight_promises_from_the_receiving_institution_s_day(
    settings: CaseTrackingSettings,
) -> None:
    clock = SetClock()
    app = create_app(settings, clock=clock)
    operator = Principal(client_id="operator", kind="admin")
    async with running(app, internal_headers(app.state.data_dir, operator)) as client:
        bus: Bus = app.state.runtime.bus

        def caller(principal: Principal) -> Caller:
            return Caller(client, app, principal)

        await open_case(client, bus, "ma-inpplc")  # a decision that named INPPLC once
        reference = await open_case(client, bus, "ma-cndh")
        # The coming Wednesday (a week on if today is one), half an hour after midnight in
        # Casablanca: before CNDH's own promised date, five business days from today, has passed.
        today = datetime.now(UTC).date()
        wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
        clock.at = local("MA", wednesday, time(0, 30))
        tag = (await caller(staff("ma-cndh")).read(reference)).headers["etag"]
        moved = await caller(staff("ma-cndh")).post(
            f"/internal/cases/{reference}/transfer",
            {"reason": "This is about corruption", "to_institution_id": "ma-inpplc"},
            if_match=tag,
        )
        assert moved.status_code == 200, moved.text

        view = promised((await caller(complainant(reference)).read(reference)).json())
        due = business_days(wednesday, 5)

        async def breaches_announced_at(now: datetime) -> list[tuple[str, str]]:
            await check_deadlines(app.state.runtime, now)
            return [
                (b["institution_id"], b["due"])
                for b in await outbox(app, BREACHED)
                if b["reference"] == reference
            ]

        on_the_last_minute = await breaches_announced_at(local("MA", due, LAST_MINUTE))
        at_midnight = await breaches_announced_at(local("MA", due + timedelta(days=1), MIDNIGHT))

    assert (view["acknowledge"]["institution_id"], view["acknowledge"]["due"]) == (
        "ma-inpplc",
        due.isoformat(),
    )
    assert on_the_last_minute == []
    assert at_midnight == [("ma-inpplc", due.isoformat())]  # none for the part transferred away


async def test_two_replicas_checking_at_once_announce_a_breach_once(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI, settings: CaseTrackingSettings
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    later = app.state.clock() + timedelta(days=30)
    replica = create_app(settings)  # on the real time: its first check at start finds nothing

    async with running(replica):
        together = await asyncio.gather(
            check_deadlines(app.state.runtime, later),
            check_deadlines(replica.state.runtime, later),
        )
        seen_by_the_replica = await outbox(replica, BREACHED)

    assert sorted(together) == [0, 1]
    assert [b["reference"] for b in await outbox(app, BREACHED)] == [reference]
    assert [b["reference"] for b in seen_by_the_replica] == [reference]


def test_a_clock_offset_moves_case_tracking_s_time_and_is_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, settings: CaseTrackingSettings
) -> None:
    monkeypatch.setenv("NWD_CASE_TRACKING_CLOCK_OFFSET", "P8D")
    ahead = CaseTrackingSettings(**settings.model_dump(exclude={"clock_offset"}))
    at = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

    app = create_app(ahead, clock=lambda: at)

    assert ahead.clock_offset == timedelta(days=8)
    assert app.state.clock() == at + timedelta(days=8)
    assert create_app(settings, clock=lambda: at).state.clock() == at
    with pytest.raises(ValueError, match="NWD_CASE_TRACKING_CLOCK_OFFSET is for drills and tests"):
        CaseTrackingSettings(
            environment="production",
            database_url="postgresql+asyncpg://case-tracking@db/cases",
            encryption_keys="k:" + "A" * 44,
        )
