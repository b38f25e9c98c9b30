"""Killing a consumer, or the NATS server itself, mid-flow loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import Platform, launched_platform
from .test_complaint_to_case import complaint, file, follow_until

COMPLAINTS = 40


async def test_routing_killed_while_complaints_flow_leaves_exactly_one_case_each(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    accepted: list[dict[str, str]] = []

    async def flow() -> None:
        for _ in range(COMPLAINTS):
            accepted.append(await file(gateway, complaint()))

    sender = asyncio.create_task(flow())
    while len(accepted) < COMPLAINTS // 3:
        await asyncio.sleep(0.05)
    routing_pid = platform.pid_of("routing")
    os.kill(routing_pid, signal.SIGKILL)
    await sender
    new_pid = await asyncio.to_thread(platform.wait_for_new_pid, "routing", routing_pid)

    cases: list[dict[str, Any]] = [
        await follow_until(gateway, a, "routed", timeout=90) for a in accepted
    ]

    assert new_pid != routing_pid
    assert len(accepted) == COMPLAINTS
    for case in cases:
        assert [i["institution_id"] for i in case["institutions"]] == ["ma-mediateur"]
        kinds = [entry["kind"] for entry in case["timeline"]]
        assert kinds.count("received") == 1
        assert kinds.count("routed") == 1


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
    accepted: list[dict[str, str]] = []
    async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as gateway:

        async def flow() -> None:
            for _ in range(COMPLAINTS):
                accepted.append(await file(gateway, complaint()))

        sender = asyncio.create_task(flow())
        while len(accepted) < COMPLAINTS // 3:
            await asyncio.sleep(0.05)
        nats_pid = platform.pid_of("nats")
        os.kill(nats_pid, signal.SIGKILL)
        await sender
        new_pid = await asyncio.to_thread(platform.wait_for_new_pid, "nats", nats_pid)

        cases = [await follow_until(gateway, a, "routed", timeout=120) for a in accepted]

    assert new_pid != nats_pid
    assert len(accepted) == COMPLAINTS
    for case in cases:
        assert [i["institution_id"] for i in case["institutions"]] == ["ma-mediateur"]
        kinds = [entry["kind"] for entry in case["timeline"]]
        assert kinds.count("received") == 1
        assert kinds.count("routed") == 1
