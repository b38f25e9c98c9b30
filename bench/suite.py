"""What every benchmark is handed: the platform, the baselines' server, the load's shape, its
driver and the progress bar, and where it leaves what it measured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx
import nats
from nats.aio.client import Client
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from rich.progress import Progress

from bench import wrk
from bench.load import Driver, Request, Run, drive_with_httpx
from bench.report import Measured, Result
from bench.running import Platform

SETTLE_SECONDS = 600.0
"""The longest a benchmark waits for the services to handle what the one before left waiting."""
QUIET_LOOKS = 2
"""Looks in a row, half a second apart, that must find nothing left to do before the platform
counts as at rest: work passes from one service to the next (a notice sent, then the event
saying so in an outbox, then on the stream), and one look can fall between two of them."""


def chosen_driver(console: Console) -> Driver:
    """wrk when it is installed, else the httpx client in this process; says which."""
    found = wrk.installed()
    if found:
        console.print(f"load: wrk ({found})")
        return wrk.drive_with_wrk
    console.print(
        "load: httpx from this process, which caps the bare baselines; "
        "`apt-get install wrk` gives truer baselines"
    )
    return drive_with_httpx


@dataclass
class Bench:
    platform: Platform
    baseline_url: str
    progress: Progress
    connections: int
    seconds: float
    warmup: float
    cases: int = 100_000
    """Cases stored for `growth`'s second measure."""
    soak_seconds: float = 600.0
    alongside: Callable[[Bench], Awaitable[None]] | None = None
    """What runs while `growth` fills its cases (in the whole suite, `soak`)."""
    filling: bool = False
    """True while `growth` fills its cases: what runs alongside has its load."""
    results: list[Result] = field(default_factory=list)
    measured: list[Measured] = field(default_factory=list)
    driver: Driver = field(init=False)

    def __post_init__(self) -> None:
        self.driver = chosen_driver(self.progress.console)

    async def alongside_filling(self) -> None:
        if self.alongside:
            await self.alongside(self)

    async def load(
        self,
        name: str,
        base_url: str,
        requests: Sequence[Request],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Run:
        """One load cycling through `requests`, each with `headers` added, shown on the progress
        bar and kept for the charts."""
        task = self.progress.add_task(name, total=self.warmup + self.seconds)
        run = await self.driver(
            base_url,
            requests,
            connections=self.connections,
            seconds=self.seconds,
            warmup=self.warmup,
            tick=lambda: self.progress.advance(task),
            headers=headers,
        )
        self.progress.update(task, completed=self.warmup + self.seconds)
        if run.failures:
            counted = run.answered + run.failures
            self.progress.console.print(
                f"[yellow]{name}: {run.failures} of {counted} requests were not answered "
                "as they should be[/]"
            )
        self.measured.append(Measured(name, run))
        return run

    async def settle(self, *, notices: bool = True) -> None:
        """Wait until the services have handled every event the benchmarks before left waiting,
        published every event they wrote, and notifications has sent every notice they owed
        (each waits out its merge window first), so that the next one measures the platform at
        rest rather than catching up: `pipeline` leaves thousands of events behind its openings,
        and notices a minute on. Without `notices`, only the events: notices waiting out their
        window take no CPU."""
        connection = await nats.connect(self.platform.nats_url)
        task = self.progress.add_task("settling", total=None)
        deadline = time.monotonic() + SETTLE_SECONDS
        quiet = 0
        try:
            while True:
                waiting = await self._still_to_do(connection, notices=notices)
                quiet = 0 if waiting else quiet + 1
                if quiet >= QUIET_LOOKS:
                    return
                if waiting and time.monotonic() > deadline:
                    self.progress.console.print(
                        f"[yellow]{waiting} still wait after {SETTLE_SECONDS:.0f} s; "
                        "measuring all the same[/]"
                    )
                    return
                if waiting:
                    self.progress.update(task, description=f"settling: {waiting} waiting")
                await asyncio.sleep(0.5)
        finally:
            self.progress.remove_task(task)
            await connection.close()

    async def _still_to_do(self, connection: Client, *, notices: bool) -> str:
        """What the services still have to do, in words; empty when nothing."""
        events = await events_waiting(connection)
        if events:
            return f"{events:,} events"
        # One scrape of each service for both: only notifications has notices waiting.
        scraped = [
            await gauges(service, OUTBOX_BACKLOG, DELIVERIES_WAITING)
            for service in self.platform.publishers
        ]
        unpublished = sum(found[OUTBOX_BACKLOG] for found in scraped)
        if unpublished:
            return f"{unpublished:,} events not yet published"
        if not notices:
            return ""
        sends = sum(found[DELIVERIES_WAITING] for found in scraped)
        return f"{sends:,} notices" if sends else ""


async def events_waiting(connection: Client, *, streams_named: str = "") -> int:
    """Events every consumer has yet to receive or acknowledge, on the server's streams whose
    names begin with `streams_named` (the benchmarks' server holds the platform's alone)."""
    streams = connection.jetstream()
    waiting = 0
    for stream in await streams.streams_info():
        name = stream.config.name
        if name is None or not name.startswith(streams_named):
            continue
        for consumer in await streams.consumers_info(name):
            waiting += (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
    return waiting


DELIVERIES_WAITING = "nwd_deliveries_waiting"
OUTBOX_BACKLOG = "nwd_outbox_backlog_messages"


async def gauge(service: str, name: str) -> int:
    """A gauge of `service`'s `/metrics`, summed over its labels."""
    return (await gauges(service, name))[name]


async def gauges(service: str, *names: str) -> dict[str, int]:
    """Gauges of `service`'s `/metrics` from one scrape, each summed over its labels; 0 for
    one the service does not have."""
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.get(f"{service}/metrics")
    answer.raise_for_status()
    found = dict.fromkeys(names, 0)
    for family in text_string_to_metric_families(answer.text):
        if family.name in found:
            found[family.name] += sum(int(sample.value) for sample in family.samples)
    return found
