"""An institution's own closing days, as the directory declares them, move its promised dates."""

from collections.abc import AsyncIterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from case_tracking_support import (
    Caller,
    SetClock,
    competent,
    complainant,
    publish,
    received,
    routed,
    staff,
)
from fastapi import FastAPI

from case_tracking.app import create_app
from case_tracking.domain.calendar import calendar_for
from case_tracking.settings import CaseTrackingSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually, internal_headers, running

Tracking = tuple[FastAPI, httpx.AsyncClient]
OPERATOR = Principal(client_id="operator", kind="admin")
MOROCCO = calendar_for("MA")
CASABLANCA = ZoneInfo("Africa/Casablanca")
# A week without a Moroccan public holiday: opened on Tuesday, closed on Wednesday.
TUESDAY = date(2027, 2, 9)
WEDNESDAY = date(2027, 2, 10)
FIVE_BUSINESS_DAYS_ON = date(2027, 2, 16)


@pytest.fixture
async def tracking(settings: CaseTrackingSettings) -> AsyncIterator[Tracking]:
    app = create_app(settings, clock=SetClock(datetime.combine(TUESDAY, time(10), CASABLANCA)))
    async with running(app, internal_headers(app.state.data_dir, OPERATOR)) as client:
        yield app, client


def caller(tracking: Tracking, principal: Principal) -> Caller:
    app, client = tracking
    return Caller(client, app, principal)


async def routed_to(tracking: Tracking, *competents: Any) -> str:
    """A complaint received, then routed to `competents`; its reference once opened."""
    app, client = tracking
    bus: Bus = app.state.runtime.bus
    reference = new_reference()
    await publish(bus, received(reference))
    await publish(bus, routed(reference=reference, competent=list(competents)))

    async def opened() -> bool:
        response = await client.get(f"/internal/cases/{reference}")
        return response.status_code == 200 and response.json()["status"] == "routed"

    await eventually(opened)
    return reference


def acknowledge_due(view: dict[str, Any]) -> dict[str, str]:
    return {
        p["institution_id"]: p["due"] for p in view["promised"] if p["standard"] == "acknowledge"
    }


def closed_on(institution_id: str, role: str, *days: date) -> Any:
    return competent(institution_id, role).model_copy(update={"closing_days": list(days)})


async def test_an_institution_closed_on_a_wednesday_promises_a_day_later(
    tracking: Tracking,
) -> None:
    # Decisions that named the Médiateur, closed on Wednesday, and INPPLC, open every business day.
    await routed_to(tracking, closed_on("ma-mediateur", "lead", WEDNESDAY))
    await routed_to(tracking, competent("ma-inpplc"))
    transferred = {}
    for target in ("ma-mediateur", "ma-inpplc"):
        reference = await routed_to(tracking, competent("ma-cndh"))
        cndh = caller(tracking, staff("ma-cndh"))
        tag = (await cndh.read(reference)).headers["etag"]
        # On Tuesday morning in Casablanca, by the service's clock.
        moved = await cndh.post(
            f"/internal/cases/{reference}/transfer",
            {"reason": "This is about another institution", "to_institution_id": target},
            if_match=tag,
        )
        assert moved.status_code == 200, moved.text
        transferred[target] = reference

    def due(target: str, seen: dict[str, Any]) -> str:
        return acknowledge_due(seen)[target]

    seen = {
        target: (await caller(tracking, complainant(reference)).read(reference)).json()
        for target, reference in transferred.items()
    }

    assert due("ma-inpplc", seen["ma-inpplc"]) == FIVE_BUSINESS_DAYS_ON.isoformat()
    assert due("ma-mediateur", seen["ma-mediateur"]) == date(2027, 2, 17).isoformat()


async def test_a_decision_s_closing_days_move_the_promises_of_the_parts_it_opens(
    tracking: Tracking,
) -> None:
    # A case opens at the real time: closed on the next business day, the lead promises a day
    # after the institution that is not.
    today = datetime.now(CASABLANCA).date()
    closed = MOROCCO.add_business_days(today, 1)
    reference = await routed_to(
        tracking,
        closed_on("ma-mediateur", "lead", closed),
        competent("ma-cndh", "associated"),
    )

    seen = (await caller(tracking, staff("ma-mediateur")).read(reference)).json()

    open_due = MOROCCO.add_business_days(today, 5)
    assert acknowledge_due(seen) == {
        "ma-cndh": open_due.isoformat(),
        "ma-mediateur": MOROCCO.add_business_days(open_due, 1).isoformat(),
    }
