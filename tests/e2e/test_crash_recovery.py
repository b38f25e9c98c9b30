"""Killing a consumer or the NATS server, or cutting off the databases, mid-flow loses nothing
and duplicates nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from nowrongdoor.testing.plugin import administer

from .conftest import Platform, launched_platform
from .test_complaint_to_case import complaint, file, follow_until

COMPLAINTS = 40


def assert_one_routing_each(cases: list[dict[str, Any]]) -> None:
    """Each case at the competent institution, received once and routed once."""
    for case in cases:
        assert [i["institution_id"] for i in case["institutions"]] == ["ma-mediateur"]
        kinds = [entry["kind"] for entry in case["timeline"]]
        assert kinds.count("received") == 1
        assert kinds.count("routed") == 1


async def kill_while_complaints_flow(
    platform: Platform, gateway: httpx.AsyncClient, process: str
) -> tuple[list[dict[str, Any]], int, int]:
    """File complaints, SIGKILL `process` a third of the way in, and follow each to its case.

    Answers the cases, the killed process id and the id of the process started in its place.
    """
    accepted: list[dict[str, str]] = []

    async def flow() -> None:
        for _ in range(COMPLAINTS):
            accepted.append(await file(gateway, complaint()))

    sender = asyncio.create_task(flow())
    while len(accepted) < COMPLAINTS // 3:
        await asyncio.sleep(0.05)
    killed = platform.pid_of(process)
    os.kill(killed, signal.SIGKILL)
    await sender
    restarted = await asyncio.to_thread(platform.wait_for_new_pid, process, killed)

    cases = [await follow_until(gateway, a, "routed", timeout=120) for a in accepted]
    return cases, killed, restarted


async def test_routing_killed_while_complaints_flow_leaves_exactly_one_case_each(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    cases, killed, restarted = await kill_while_complaints_flow(platform, gateway, "routing")

    assert restarted != killed
    assert len(cases) == COMPLAINTS
    assert_one_routing_each(cases)


@pytest.fixture(scope="module")
def platform_with_its_own_nats(
    tmp_path_factory: pytest.TempPathFactory,
    redis_url: str,
    nwd_postgres_server_url: str | None,
) -> Iterator[Platform]:
    """A platform whose NATS server `nowrongdoor up` started, so the test may kill it."""
    with launched_platform(
        tmp_path_factory.mktemp("own-nats"),
        nats_url=None,
        redis_url=redis_url,
        postgres_url=nwd_postgres_server_url,
    ) as started:
        yield started


async def test_the_nats_server_killed_while_complaints_flow_loses_and_doubles_nothing(
    platform_with_its_own_nats: Platform,
) -> None:
    platform = platform_with_its_own_nats
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as gateway:
        cases, killed, restarted = await kill_while_complaints_flow(platform, gateway, "nats")

    assert restarted != killed
    assert len(cases) == COMPLAINTS
    assert_one_routing_each(cases)


@pytest.fixture(scope="module")
def platform_on_postgres(
    tmp_path_factory: pytest.TempPathFactory,
    nats_url: str,
    redis_url: str,
    nwd_postgres_server_url: str | None,
) -> Iterator[tuple[Platform, str]]:
    """A platform whose databases live on a PostgreSQL server the test may cut off."""
    if nwd_postgres_server_url is None:
        pytest.skip(
            "a database outage needs a PostgreSQL server (NWD_TEST_DATABASE_URL or Docker); "
            "this run keeps each service's database in an SQLite file"
        )
    with launched_platform(
        tmp_path_factory.mktemp("postgres-outage"),
        nats_url=nats_url,
        redis_url=redis_url,
        postgres_url=nwd_postgres_server_url,
    ) as started:
        yield started, nwd_postgres_server_url


async def file_until_accepted(
    gateway: httpx.AsyncClient, body: dict[str, Any], refusals: list[int]
) -> dict[str, str]:
    """File as a careful client does: the same Idempotency-Key until the platform answers 201."""
    retry = {"Idempotency-Key": f"outage-{uuid.uuid4()}"}
    deadline = asyncio.get_running_loop().time() + 120
    while True:
        response = await gateway.post("/v1/complaints", json=body, headers=retry)
        if response.status_code == 201:
            accepted: dict[str, str] = response.json()
            return accepted
        # 503: a service could not reach its database; 409: the same request is still running.
        assert response.status_code in (409, 503), response.text
        assert asyncio.get_running_loop().time() < deadline, "the platform did not recover"
        refusals.append(response.status_code)
        await asyncio.sleep(0.2)


async def cut_off(server_url: str, databases: list[str], seconds: float) -> None:
    """What a database restart looks like to its clients: connections dropped, new ones refused."""
    try:
        for name in databases:
            await administer(
                server_url,
                text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'),
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ).bindparams(name=name),
            )
        await asyncio.sleep(seconds)
    finally:
        for name in databases:
            await administer(server_url, text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))


async def test_the_databases_going_away_while_complaints_flow_lose_and_double_nothing(
    platform_on_postgres: tuple[Platform, str],
) -> None:
    platform, server_url = platform_on_postgres
    databases = [make_url(url).database or "" for url in platform.database_urls.values()]
    accepted: list[dict[str, str]] = []
    refusals: list[int] = []
    outage_over = asyncio.Event()
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as gateway:

        async def flow() -> None:
            # Complaints before, during and after the outage.
            while not outage_over.is_set():
                accepted.append(await file_until_accepted(gateway, complaint(), refusals))
            for _ in range(COMPLAINTS // 4):
                accepted.append(await file_until_accepted(gateway, complaint(), refusals))

        sender = asyncio.create_task(flow())
        while len(accepted) < COMPLAINTS // 4:
            await asyncio.sleep(0.05)
        await cut_off(server_url, databases, seconds=3)
        outage_over.set()
        await sender

        cases = [await follow_until(gateway, a, "routed", timeout=120) for a in accepted]

    assert 503 in refusals  # the clients felt the outage
    assert len({a["reference"] for a in accepted}) == len(accepted)
    assert_one_routing_each(cases)
