"""A promised date passes: `case.deadline-breached` reaches the bus once, the institution's list
shows the case overdue and the complainant sees the promise broken.

Case tracking alone runs a month ahead (`NWD_CASE_TRACKING_CLOCK_OFFSET`, for drills and tests),
checking every half second: a part opens when routing's decision reaches it, at the real time,
and the checks already see a month later, long past the acknowledgement promised.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import nats
import pytest

from nowrongdoor.testing.apps import eventually

from .conftest import OwnPlatform, Platform
from .test_complaint_to_case import complaint, file, follow_until
from .test_triage_decision import token

BREACHED = "org.nowrongdoor.case.deadline-breached.v1"


@pytest.fixture(scope="module")
def platform_a_month_ahead(own_platform: OwnPlatform) -> Iterator[Platform]:
    ahead = {
        "NWD_CASE_TRACKING_CLOCK_OFFSET": "P30D",
        "NWD_CASE_TRACKING_DEADLINE_CHECK_SECONDS": "0.5",
    }
    with own_platform("month-ahead", extra_env=ahead) as started:
        yield started


class Breaches:
    """Every `case.deadline-breached` published in the platform's namespace, as it arrives."""

    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def heard(self, message: Any) -> None:
        assert (message.headers or {}).get("ce-type") == BREACHED
        self.seen.append(json.loads(message.data))

    def of(self, reference: str) -> list[dict[str, Any]]:
        return [breach for breach in self.seen if breach["reference"] == reference]


@pytest.fixture
async def breaches(platform_a_month_ahead: Platform) -> AsyncIterator[Breaches]:
    platform = platform_a_month_ahead
    connection = await nats.connect(platform.nats_url)
    listening = Breaches()
    try:
        await connection.subscribe(
            f"{platform.namespace}.case.deadline-breached", cb=listening.heard
        )
        yield listening
    finally:
        await connection.close()


@pytest.fixture
async def gateway_a_month_ahead(
    platform_a_month_ahead: Platform,
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform_a_month_ahead.gateway, timeout=30) as client:
        yield client


async def filed_and_breached(
    gateway: httpx.AsyncClient, breaches: Breaches
) -> tuple[dict[str, str], dict[str, Any]]:
    """A complaint filed and routed, and the first breach of a promise of its case."""
    accepted = await file(gateway, complaint())
    await follow_until(gateway, accepted, "routed")

    async def announced() -> dict[str, Any] | None:
        found = breaches.of(accepted["reference"])
        return found[0] if found else None

    return accepted, await eventually(announced, timeout=60, interval=0.2)


async def test_a_missed_acknowledgement_is_announced_once_and_shown_to_everyone(
    platform_a_month_ahead: Platform, gateway_a_month_ahead: httpx.AsyncClient, breaches: Breaches
) -> None:
    platform, gateway = platform_a_month_ahead, gateway_a_month_ahead
    mediateur = await token(
        gateway, *platform.create_client("institution", "ma-mediateur", "cases:read")
    )

    accepted, breach = await filed_and_breached(gateway, breaches)
    reference, receipt = accepted["reference"], accepted["receipt"]

    async def complainant_sees_it_broken() -> dict[str, Any] | None:
        response = await gateway.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})
        assert response.status_code == 200, response.text
        promised = {p["standard"]: p for p in response.json()["promised"]}
        acknowledge: dict[str, Any] = promised["acknowledge"]
        return acknowledge if acknowledge["breached"] else None

    async def listed(overdue: str) -> list[str]:
        response = await gateway.get(
            "/v1/cases", params={"overdue": overdue, "limit": 100}, headers=mediateur
        )
        assert response.status_code == 200, response.text
        return [item["reference"] for item in response.json()["items"]]

    promise = await eventually(complainant_sees_it_broken, timeout=30, interval=0.2)
    overdue, on_time = await listed("true"), await listed("false")

    assert (breach["institution_id"], breach["standard"]) == ("ma-mediateur", "acknowledge")
    assert promise["due"] == breach["due"]
    assert (promise["institution_id"], promise["met_on"]) == ("ma-mediateur", None)
    assert reference in overdue
    assert reference not in on_time

    # Case tracking killed and restarted; a later case's breach shows its checks ran again.
    killed = platform.pid_of("case-tracking")
    os.kill(killed, signal.SIGKILL)
    await asyncio.to_thread(platform.wait_for_new_pid, "case-tracking", killed)

    async def answering_again() -> bool:
        # A list always asks case tracking; a case read may be answered from the gateway's cache.
        response = await gateway.get("/v1/cases", params={"limit": 1}, headers=mediateur)
        return response.status_code == 200

    await eventually(answering_again, timeout=60, interval=0.2)
    later, _ = await filed_and_breached(gateway, breaches)

    assert len(breaches.of(later["reference"])) == 1
    assert breaches.of(reference) == [breach]
