"""A closed-loop load: so many connections, each sending its next request as soon as the last
one is answered, for so many seconds after a warm-up that is not counted.

The platform and its baseline are driven by the same loop from the same process, so whatever
the load generator itself costs the machine falls on both alike.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

Send = Callable[[httpx.AsyncClient, int], Awaitable[bool]]
"""Sends request number n; True when it was answered as it should be."""
Tick = Callable[[], None]
"""Called once a second while the load runs, to move a progress bar."""


@dataclass
class Run:
    """What one load measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    """Seconds each request counted took, answered as it should be."""
    failures: int = 0
    per_second: list[int] = field(default_factory=list)
    """Requests answered as they should be in each second of the measured window."""

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The latency below which `q` percent of the requests were answered, in seconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=1000, method="inclusive")[
            min(998, max(0, round(q * 10) - 1))
        ]


async def drive(
    base_url: str,
    send: Send,
    *,
    connections: int,
    seconds: float,
    warmup: float,
    tick: Tick | None = None,
    headers: dict[str, str] | None = None,
) -> Run:
    """Keep `connections` requests in flight for `warmup + seconds`; count the last `seconds`."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    run = Run(seconds=seconds)
    counter = itertools.count()
    loop = asyncio.get_running_loop()
    start = loop.time()
    counted_from, end = start + warmup, start + warmup + seconds
    buckets = [0] * max(1, int(seconds + 0.999))

    async def worker(client: httpx.AsyncClient) -> None:
        while loop.time() < end:
            began = time.perf_counter()
            try:
                answered = await send(client, next(counter))
            except httpx.HTTPError:
                answered = False
            done = loop.time()
            if done < counted_from or done >= end:
                continue
            if answered:
                run.latencies.append(time.perf_counter() - began)
                buckets[min(len(buckets) - 1, int(done - counted_from))] += 1
            else:
                run.failures += 1

    async def ticking() -> None:
        while loop.time() < end:
            await asyncio.sleep(1)
            if tick is not None:
                tick()

    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=60, headers=headers
    ) as client:
        await asyncio.gather(ticking(), *(worker(client) for _ in range(connections)))
    run.per_second = buckets
    return run
