"""Promised dates as every reader sees them, and each broken promise announced exactly once."""

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
from case_tracking_support import (
    Caller,
    MovableClock,
    complainant,
    event_type,
    open_case,
    outbox,
    staff,
)
from fastapi import FastAPI

from case_tracking.app import create_app
from case_tracking.domain.calendar import calendar_for
from case_tracking.service.deadlines import check_deadlines
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import ServiceStandardsDays
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
    opened = clock().date()
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


async def test_the_clock_stops_while_awaiting_the_complainant_and_the_day_moves_on(
    client: httpx.AsyncClient, bus: Bus, as_: As, clock: MovableClock
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    mediateur = as_(staff("ma-mediateur"))
    await mediateur.step(reference, "acknowledged")
    acknowledged_on = clock().date()
    await mediateur.step(reference, "awaiting-complainant", reason="Which office?")
    paused = promised((await as_(complainant(reference)).read(reference)).json())
    clock.move(days=14)
    resumed_on = clock().date()
    await mediateur.step(reference, "acknowledged")

    moved = promised((await as_(complainant(reference)).read(reference)).json())

    assert (paused["admissibility"]["due"], paused["admissibility"]["paused"]) == (None, True)
    waited = MOROCCO.business_days_between(acknowledged_on, resumed_on)
    assert moved["admissibility"]["due"] == (
        business_days(business_days(acknowledged_on, 10), waited).isoformat()
    )
    assert moved["admissibility"]["paused"] is False


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
    assert breach["due"] == business_days(app.state.clock().date(), 5).isoformat()

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
    due = business_days(clock().date(), 5)
    clock.move_to(due + timedelta(days=1))

    await as_(staff("ma-mediateur")).step(reference, "acknowledged")

    [breach] = await outbox(app, BREACHED)
    assert (breach["standard"], breach["due"]) == ("acknowledge", due.isoformat())
    assert await check_deadlines(app.state.runtime, clock()) == 0
    view = promised((await as_(complainant(reference)).read(reference)).json())
    assert view["acknowledge"]["breached"] is True
    assert view["acknowledge"]["met_on"] == clock().date().isoformat()


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
    clock.move_to(business_days(clock().date(), 5) + timedelta(days=1))

    assert await mediateur.listed("ma-mediateur", overdue="true") == [late]
    assert await mediateur.listed("ma-mediateur", overdue="false") == [on_time]
