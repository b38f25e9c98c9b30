"""`soak`: complaints through every service for ten minutes (`--soak-seconds`), each service's
resident memory read every five seconds. After the warm-up (a fifth of the soak, at least a
minute) none may grow: each service's memory at the end must stay within 5% of what it was when
the warm-up ended.

The complaints are `complaint.received` events on the platform's NATS, carried by routing,
case-tracking and notifications; an institution reads and lists its cases through the gateway at
the same time, so the gateway soaks too. Alone, the soak publishes 20 complaints a second. In the
whole suite it runs while `growth` fills its 100,000 cases, and that filling is its load (the
pipeline's own pace, at most 2,000 complaints in flight): the memory is then measured at the
most the pipeline carries, against a database that keeps growing, and ten minutes are not spent
twice. Should the filling end first, the soak goes on alone at 20 a second.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import nats

from bench.pipeline import received
from bench.report import limit_result
from bench.running import Platform, service_memory
from bench.suite import Bench
from nowrongdoor.contracts.events import ComplaintReceived

RATE = 20.0
"""Complaints a second of the soak's own: well within what the pipeline carries, so the soak
measures memory, not a growing backlog."""
SAMPLE_SECONDS = 5.0
WARMUP_SECONDS = 60.0
"""The least warm-up; a fifth of a longer soak."""
ALLOWED_GROWTH = 1.05


class Institution:
    """The Médiateur at work through the gateway: its list, and the newest case in it."""

    def __init__(self, platform: Platform, client: httpx.AsyncClient) -> None:
        self.platform = platform
        self.client = client
        self.credentials = platform.create_client("ma-mediateur", "cases:read")
        self.dropped = 0

    async def works(self) -> None:
        """One round of work; a connection dropped on the way is counted, not fatal: the soak
        measures memory, and one round more or less does not change it."""
        try:
            await self._reads()
        except httpx.TransportError:
            self.dropped += 1

    async def _reads(self) -> None:
        page = await self.client.get("/v1/cases", params={"limit": 20})
        if page.status_code == 401:  # the token's five minutes are over, or there was none
            token = self.platform.token(*self.credentials)
            self.client.headers["Authorization"] = f"Bearer {token}"
            page = await self.client.get("/v1/cases", params={"limit": 20})
        if page.status_code == 200 and page.json()["items"]:
            newest = page.json()["items"][0]["reference"]
            await self.client.get(f"/v1/cases/{newest}")


async def soak(bench: Bench) -> None:
    platform = bench.platform
    total = bench.soak_seconds
    warmup = max(WARMUP_SECONDS, total / 5)
    connection = await nats.connect(platform.nats_url)
    samples: list[tuple[float, dict[str, int]]] = []
    task = bench.progress.add_task("soak", total=total)
    try:
        stream = connection.jetstream()
        # A connection idle for the five seconds between rounds is one the server may be
        # closing just then (uvicorn keeps an idle one five seconds): open a fresh one each time.
        fresh = httpx.Limits(keepalive_expiry=1.0)
        async with httpx.AsyncClient(base_url=platform.gateway, timeout=30, limits=fresh) as client:
            institution = Institution(platform, client)
            started = time.perf_counter()
            next_sample = 0.0
            own_since: float | None = None  # when the soak began publishing its own
            sent = 0
            while (elapsed := time.perf_counter() - started) < total:
                if bench.filling:
                    own_since, sent = None, 0
                else:
                    own_since = elapsed if own_since is None else own_since
                    while sent < int((elapsed - own_since) * RATE) + 1:
                        _, envelope = received()
                        await stream.publish(
                            ComplaintReceived.subject, envelope.data, headers=envelope.headers()
                        )
                        sent += 1
                if elapsed >= next_sample:
                    samples.append((elapsed, service_memory(platform)))
                    next_sample += SAMPLE_SECONDS
                    await institution.works()
                load = "the filling" if bench.filling else f"{RATE:.0f} complaints/s"
                bench.progress.update(task, completed=elapsed, description=f"soak: {load}")
                if own_since is None:
                    await asyncio.sleep(0.2)
                else:
                    due = own_since + sent / RATE
                    await asyncio.sleep(max(0.0, due - (time.perf_counter() - started)))
        if institution.dropped:
            bench.progress.console.print(
                f"[yellow]soak: {institution.dropped} rounds of reads lost their connection[/]"
            )
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
