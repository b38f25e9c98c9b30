"""Wrong receipts slow down, then lock, a reference, and the lock looks like a wrong receipt."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.edge.limit_settings import LimitSettings
from gateway.edge.limits import Limits
from nowrongdoor.ids import new_reference

from ..fakes import FakeServices, complaint
from ..limiting import (
    FakeClock,
    FakeSleep,
    gateway_settings,
    lifetimes_under,
    running_gateway,
    stored_under,
)

LOCK_SECONDS = 600
LIMITS = {
    "rate_limits": True,
    "rate_limit_public_paths": "1000/minute",
    "submissions_anonymous": "1000/hour",
    "receipt_failures_before_delay": 2,
    "receipt_delay_step_seconds": 0.5,
    "receipt_delay_max_seconds": 1.0,
    "receipt_failures_before_lock": 4,
    "receipt_lock_seconds": LOCK_SECONDS,
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def services() -> FakeServices:
    return FakeServices()


@asynccontextmanager
async def citizen_of(
    limits: dict[str, object],
    services: FakeServices,
    clock: FakeClock,
    sleep: FakeSleep,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = LimitSettings.model_validate(limits)
    async with running_gateway(
        gateway_settings(redis_url, redis_prefix, tmp_path),
        services,
        Limits(settings=settings, clock=clock, sleep=sleep),
    ) as gateway:
        yield await gateway.client()


@pytest.fixture
async def citizen(
    services: FakeServices,
    clock: FakeClock,
    sleep: FakeSleep,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> AsyncIterator[httpx.AsyncClient]:
    async with citizen_of(
        LIMITS, services, clock, sleep, redis_url, redis_prefix, tmp_path
    ) as client:
        yield client


async def file(citizen: httpx.AsyncClient) -> tuple[str, str]:
    filed = await citizen.post("/v1/complaints", json=complaint())
    assert filed.status_code == 201
    return filed.json()["reference"], filed.json()["receipt"]


def wrong(receipt: str) -> str:
    return receipt[:-1] + str((int(receipt[-1]) + 1) % 10)


async def follow(citizen: httpx.AsyncClient, reference: str, receipt: str) -> httpx.Response:
    return await citizen.get(f"/v1/cases/{reference}", headers={"X-Receipt": receipt})


def as_seen(response: httpx.Response) -> tuple[int, bytes, dict[str, str]]:
    """Everything a caller can observe of an answer, save the time it was sent."""
    headers = {name: value for name, value in response.headers.items() if name != "date"}
    return response.status_code, response.content, headers


async def test_a_locked_reference_refuses_the_right_receipt_exactly_like_a_wrong_one(
    citizen: httpx.AsyncClient,
) -> None:
    reference, receipt = await file(citizen)
    assert (await follow(citizen, reference, receipt)).status_code == 200
    refusals = [await follow(citizen, reference, wrong(receipt)) for _ in range(4)]

    locked = await follow(citizen, reference, receipt)

    assert as_seen(locked) == as_seen(refusals[-1])
    assert locked.status_code == 404
    assert locked.headers["cache-control"] == "no-store"
    assert locked.json()["detail"] == "No case matches this reference and receipt."


async def test_an_unknown_reference_is_slowed_and_locked_exactly_like_a_known_one(
    citizen: httpx.AsyncClient, sleep: FakeSleep
) -> None:
    known, receipt = await file(citizen)
    unknown = new_reference()

    async def attempts(reference: str) -> list[tuple[object, ...]]:
        seen: list[tuple[object, ...]] = []
        for _ in range(5):
            before = len(sleep.delays)
            answer = await follow(citizen, reference, wrong(receipt))
            seen.append((*as_seen(answer), sleep.delays[before:]))
        return seen

    assert await attempts(known) == await attempts(unknown)
    assert as_seen(await follow(citizen, known, receipt)) == as_seen(
        await follow(citizen, unknown, receipt)
    )


async def test_checks_slow_down_after_repeated_failures_up_to_a_cap(
    citizen: httpx.AsyncClient, sleep: FakeSleep
) -> None:
    reference, receipt = await file(citizen)

    for _ in range(6):
        await follow(citizen, reference, wrong(receipt))

    assert sleep.delays == [0.5, 1.0, 1.0, 1.0]


async def test_the_right_receipt_before_the_lock_wipes_the_failures(
    citizen: httpx.AsyncClient, sleep: FakeSleep
) -> None:
    reference, receipt = await file(citizen)
    for _ in range(3):
        assert (await follow(citizen, reference, wrong(receipt))).status_code == 404
    assert (await follow(citizen, reference, receipt)).status_code == 200
    sleep.delays.clear()

    for _ in range(3):
        assert (await follow(citizen, reference, wrong(receipt))).status_code == 404

    assert (await follow(citizen, reference, receipt)).status_code == 200
    assert sleep.delays == [0.5, 1.0]


async def test_the_lock_lifts_once_its_time_is_up(
    citizen: httpx.AsyncClient, clock: FakeClock
) -> None:
    reference, receipt = await file(citizen)
    for _ in range(4):
        await follow(citizen, reference, wrong(receipt))

    clock.advance(LOCK_SECONDS - 1)
    assert (await follow(citizen, reference, receipt)).status_code == 404
    clock.advance(1)
    assert (await follow(citizen, reference, receipt)).status_code == 200


async def test_lifting_the_rate_limits_leaves_the_lockout_in_place(
    services: FakeServices,
    clock: FakeClock,
    sleep: FakeSleep,
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    lifted = {**LIMITS, "rate_limits": False}
    async with citizen_of(
        lifted, services, clock, sleep, redis_url, redis_prefix, tmp_path
    ) as citizen:
        reference, receipt = await file(citizen)
        for _ in range(4):
            await follow(citizen, reference, wrong(receipt))

        assert (await follow(citizen, reference, receipt)).status_code == 404


async def test_redis_holds_neither_reference_nor_receipt_and_forgets_by_itself(
    citizen: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    reference, receipt = await file(citizen)
    for _ in range(4):
        await follow(citizen, reference, wrong(receipt))

    stored = await stored_under(redis_url, redis_prefix)

    guarded = [key for key in stored if key.startswith(f"{redis_prefix}receipt:")]
    assert len(guarded) == 1
    assert stored[guarded[0]]["failures"] == "4"
    everything = json.dumps(stored)
    assert reference not in everything
    assert reference.removeprefix("NWD-") not in everything
    assert receipt not in everything
    assert wrong(receipt) not in everything
    lifetimes = await lifetimes_under(redis_url, redis_prefix)
    assert lifetimes[guarded[0]] > 0
    assert all(lifetime > 0 for lifetime in lifetimes.values())


async def write(citizen: httpx.AsyncClient, reference: str, receipt: str) -> httpx.Response:
    return await citizen.post(
        f"/v1/cases/{reference}/messages",
        json={"body": "Any news?"},
        headers={"X-Receipt": receipt},
    )


async def withdraw(citizen: httpx.AsyncClient, reference: str, receipt: str) -> httpx.Response:
    return await citizen.post(f"/v1/cases/{reference}/withdraw", headers={"X-Receipt": receipt})


async def test_wrong_receipts_count_alike_on_every_route_that_opens_a_case(
    citizen: httpx.AsyncClient, services: FakeServices
) -> None:
    reference, receipt = await file(citizen)
    assert (await write(citizen, reference, receipt)).status_code == 201
    misses = [
        await write(citizen, reference, wrong(receipt)),
        await withdraw(citizen, reference, wrong(receipt)),
        await follow(citizen, reference, wrong(receipt)),
        await withdraw(citizen, reference, wrong(receipt)),
    ]

    locked = [
        await write(citizen, reference, receipt),
        await withdraw(citizen, reference, receipt),
        await follow(citizen, reference, receipt),
    ]

    assert [as_seen(answer) for answer in misses + locked] == [as_seen(misses[0])] * 7
    assert misses[0].status_code == 404
    assert services.cases.tracked[reference].view.status != "withdrawn"
    assert len(services.cases.tracked[reference].messages) == 1


def lockouts_scraped(text: str) -> float:
    [family] = [f for f in text_string_to_metric_families(text) if f.name == "nwd_receipt_lockouts"]
    return sum(sample.value for sample in family.samples if sample.name.endswith("_total"))


async def test_a_lockout_is_counted_once_on_the_gateway_metrics_without_the_reference(
    citizen: httpx.AsyncClient,
) -> None:
    reference, receipt = await file(citizen)
    before = lockouts_scraped((await citizen.get("/metrics")).text)

    for _ in range(6):  # the lock comes at the fourth; later failures only restart it
        await follow(citizen, reference, wrong(receipt))

    scraped = await citizen.get("/metrics")
    assert scraped.status_code == 200
    assert lockouts_scraped(scraped.text) == before + 1
    assert reference not in scraped.text


async def test_the_gateway_metrics_do_not_answer_through_a_proxy(
    citizen: httpx.AsyncClient,
) -> None:
    proxied = await citizen.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})

    assert proxied.status_code == 404
    assert "nwd_" not in proxied.text
