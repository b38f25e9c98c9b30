"""`soak`: complaints at a steady rate through every service for ten minutes (`--soak-seconds`),
each service's resident memory read every five seconds. After the warm-up (a fifth of the soak,
at least a minute) none may grow: each service's memory at the end must stay within 5% of what it
was when the warm-up ended.

The complaints are `complaint.received` events on the platform's NATS, carried by routing,
case-tracking and notifications; an institution reads and lists its cases through the gateway at
the same time, so the gateway soaks too.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import nats

from bench.pipeline import received
from bench.report import limit_result
from bench.running import service_memory
from bench.suite import Bench
from nowrongdoor.contracts.events import ComplaintReceived

RATE = 20.0
"""Complaints a second: well within what the pipeline carries, so the soak measures memory,
not a growing backlog."""
SAMPLE_SECONDS = 5.0
WARMUP_SECONDS = 60.0
"""The least warm-up; a fifth of a longer soak."""
ALLOWED_GROWTH = 1.05


async def soak(bench: Bench) -> None:
    platform = bench.platform
    total = bench.soak_seconds
    warmup = max(WARMUP_SECONDS, total / 5)
    mediateur = platform.create_client("ma-mediateur", "cases:read")
    connection = await nats.connect(platform.nats_url)
    samples: list[tuple[float, dict[str, int]]] = []
    task = bench.progress.add_task(f"soak: {RATE:.0f} complaints/s", total=total)
    try:
        stream = connection.jetstream()
        async with httpx.AsyncClient(base_url=platform.gateway, timeout=30) as client:
            client.headers["Authorization"] = f"Bearer {platform.token(*mediateur)}"
            started = time.perf_counter()
            sent, next_sample = 0, 0.0
            while (elapsed := time.perf_counter() - started) < total:
                while sent < int(elapsed * RATE) + 1:
                    _, envelope = received()
                    await stream.publish(
                        ComplaintReceived.subject, envelope.data, headers=envelope.headers()
                    )
                    sent += 1
                if elapsed >= next_sample:
                    samples.append((elapsed, service_memory(platform)))
                    next_sample += SAMPLE_SECONDS
                    # An institution at work meanwhile: its list, and the newest case in it.
                    page = await client.get("/v1/cases", params={"limit": 20})
                    if page.status_code == 401:  # the token's five minutes are over
                        client.headers["Authorization"] = f"Bearer {platform.token(*mediateur)}"
                        page = await client.get("/v1/cases", params={"limit": 20})
                    if page.status_code == 200 and page.json()["items"]:
                        newest = page.json()["items"][0]["reference"]
                        await client.get(f"/v1/cases/{newest}")
                bench.progress.update(task, completed=elapsed)
                await asyncio.sleep(max(0.0, sent / RATE - (time.perf_counter() - started)))
    finally:
        await connection.drain()
    bench.progress.update(task, completed=total)
    samples.append((total, service_memory(platform)))
    settled = next(memory for at, memory in samples if at >= warmup)
    for name, end in sorted(samples[-1][1].items()):
        start = settled.get(name, end)
        bench.results.append(
            limit_result(
                f"soak: {name} after {total / 60:.0f} min",
                end / 2**20,
                "MB",
                round(start / 2**20 * ALLOWED_GROWTH, 1),
            )
        )
