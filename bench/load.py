"""A closed-loop load: so many connections, each sending its next request as soon as the last
one is answered, for so many seconds after a warm-up that is not counted.

A benchmark prepares its requests before the load begins and a driver cycles through them: wrk
when it is installed (bench/wrk.py), otherwise `drive_with_httpx` below, from this process. Both
return the same `Run`. The platform and its baseline are driven by the same driver, so whatever
the load generator itself costs the machine falls on both alike.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

PERCENTILES = (50, 90, 99)
"""The latency percentiles every run reports."""

Tick = Callable[[], None]
"""Called once a second while the load runs, to move a progress bar."""


@dataclass(frozen=True)
class Request:
    """One request of a load, prepared before it begins so that any driver can send it."""

    method: str
    path: str
    """With its query, as sent: `/v1/cases?limit=20`."""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def with_json(
        cls, method: str, path: str, document: Any, headers: Mapping[str, str] | None = None
    ) -> Request:
        headers = {**(headers or {}), "Content-Type": "application/json"}
        return cls(method, path, headers, json.dumps(document).encode())


@dataclass
class Run:
    """What one load measured, whichever driver ran it."""

    seconds: float
    answered: int = 0
    """Requests answered with a 2xx within the measured seconds."""
    failures: int = 0
    """Requests answered otherwise, or not at all, within the measured seconds."""
    per_second: list[int] = field(default_factory=list)
    """Requests answered with a 2xx in each second of the measured window."""
    latency: dict[int, float] = field(default_factory=lambda: dict.fromkeys(PERCENTILES, 0.0))
    """By each of `PERCENTILES`, the seconds within which that percent of requests were answered."""

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def percentile(self, q: int) -> float:
        return self.latency[q]


def percentiles(latencies: Sequence[float]) -> dict[int, float]:
    """`Run.latency` of these latencies, in seconds."""
    if len(latencies) < 2:
        return dict.fromkeys(PERCENTILES, latencies[0] if latencies else 0.0)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {q: cuts[q - 1] for q in PERCENTILES}


class Driver(Protocol):
    """Keeps `connections` requests in flight for `warmup + seconds`, cycling through `requests`
    with `headers` added to each; counts the last `seconds`."""

    async def __call__(
        self,
        base_url: str,
        requests: Sequence[Request],
        *,
        connections: int,
        seconds: float,
        warmup: float,
        tick: Tick | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Run: ...


async def drive_with_httpx(
    base_url: str,
    requests: Sequence[Request],
    *,
    connections: int,
    seconds: float,
    warmup: float,
    tick: Tick | None = None,
    headers: Mapping[str, str] | None = None,
) -> Run:
    """The load from an httpx client in this process: no install needed, but the client costs
    about a core at a few hundred requests a second, far below what a bare server answers."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    failures = 0
    counter = itertools.count()
    loop = asyncio.get_running_loop()
    start = loop.time()
    counted_from, end = start + warmup, start + warmup + seconds
    buckets = [0] * max(1, int(seconds + 0.999))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal failures
        while loop.time() < end:
            request = requests[next(counter) % len(requests)]
            began = time.perf_counter()
            try:
                answer = await client.request(
                    request.method,
                    request.path,
                    headers=request.headers,
                    content=request.body or None,
                )
                answered = answer.is_success
            except httpx.HTTPError:
                answered = False
            done = loop.time()
            if done < counted_from or done >= end:
                continue
            if answered:
                latencies.append(time.perf_counter() - began)
                buckets[min(len(buckets) - 1, int(done - counted_from))] += 1
            else:
                failures += 1

    async def ticking() -> None:
        while loop.time() < end:
            await asyncio.sleep(1)
            if tick is not None:
                tick()

    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=60, headers=headers
    ) as client:
        await asyncio.gather(ticking(), *(worker(client) for _ in range(connections)))
    return Run(
        seconds=seconds,
        answered=len(latencies),
        failures=failures,
        per_second=buckets,
        latency=percentiles(latencies),
    )
