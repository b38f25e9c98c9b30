"""Killing a consumer mid-flow loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import httpx

from .conftest import Platform
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
