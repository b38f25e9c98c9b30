"""`growth`: an institution's reads and lists, and a complainant's reads, measured with 1,000
cases stored and again with 100,000 (`--cases`); each must keep 0.9 of its rate at the smaller
size.

The cases are filled in as intake's outbox relay would announce them: `complaint.received` events
published onto the platform's NATS, each carried by routing and case-tracking to an open case at
the Médiateur, the institution whose list is read. Filling 100,000 takes as long as the pipeline
needs for them (the progress bar shows it); `--cases 20000` gives a quicker, smaller picture.
"""

from __future__ import annotations

import asyncio
import time

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from bench.pipeline import received
from bench.report import result
from bench.suite import Bench
from bench.tracking import Loads, reading_loads
from nowrongdoor.contracts.events import CaseOpened, ComplaintReceived

SMALL = 1000
TARGET = 0.9
IN_FLIGHT = 2000
"""Events published and not yet opened as cases, at most: the pipeline is fed, never flooded."""


class Filling:
    """Publishes `complaint.received` events and counts the cases they open."""

    def __init__(self, connection: Client) -> None:
        self.stream = connection.jetstream()
        self.published = 0
        self.opened = 0
        self.references: list[str] = []

    async def seen(self, _message: Msg) -> None:
        self.opened += 1

    async def up_to(self, bench: Bench, total: int) -> None:
        """Cases published and opened until `total` have been, with a progress bar."""
        task = bench.progress.add_task(f"growth: filling to {total:,} cases", total=total)
        started, first = time.perf_counter(), self.opened
        while self.opened < total:
            while self.published < total and self.published - self.opened < IN_FLIGHT:
                reference, envelope = received()
                await self.stream.publish(
                    ComplaintReceived.subject, envelope.data, headers=envelope.headers()
                )
                self.published += 1
                if len(self.references) < SMALL:
                    self.references.append(reference)
            bench.progress.update(task, completed=self.opened)
            await asyncio.sleep(0.2)
        bench.progress.update(task, completed=total)
        rate = (self.opened - first) / (time.perf_counter() - started)
        bench.progress.console.print(f"growth: {total:,} cases stored ({rate:.0f} opened/s)")
        await self.settled(bench)

    async def settled(self, bench: Bench, *, within: float = 300.0) -> None:
        """Once every consumer on the platform has caught up (notifications still has the
        openings to tell), so that the reads measured next share the machine with nothing."""
        manager = self.stream  # a JetStream context manages streams too
        task = bench.progress.add_task("growth: consumers catching up", total=None)
        deadline = time.perf_counter() + within
        while time.perf_counter() < deadline:
            waiting = 0
            for stream in await manager.streams_info():
                for consumer in await manager.consumers_info(stream.config.name or ""):
                    waiting += (consumer.num_pending or 0) + (consumer.num_ack_pending or 0)
            if waiting == 0:
                break
            bench.progress.update(task, description=f"growth: {waiting:,} events to catch up")
            await asyncio.sleep(1.0)
        bench.progress.update(task, total=1, completed=1)


async def growth(bench: Bench) -> None:
    large = max(bench.cases, SMALL * 2)
    connection = await nats.connect(bench.platform.nats_url)
    try:
        loads = await reading_loads(bench)
        # Counted from here: the cases filed for the loads are open already.
        filling = Filling(connection)
        await connection.subscribe(CaseOpened.subject, cb=filling.seen)
        await filling.up_to(bench, SMALL - loads.filed)
        before = await _measured(bench, loads, filling, f"{SMALL:,}")
        await filling.up_to(bench, large - loads.filed)
        after = await _measured(bench, loads, filling, f"{large:,}")
    finally:
        await connection.drain()
    for (name, unit, small_rate), (_, _, large_rate) in zip(before, after, strict=True):
        bench.results.append(
            result(f"growth: {name} at {large:,}", large_rate, unit, small_rate, TARGET)
        )


async def _measured(
    bench: Bench, loads: Loads, filling: Filling, size: str
) -> list[tuple[str, str, float]]:
    """Each reading load's rate with `size` cases stored, reading the first cases filled in."""
    gateway = bench.platform.gateway
    reads = loads.institution_reads(filling.references)
    read = await bench.load(f"growth: read one case, {size} stored", gateway, reads)
    page = await bench.load(f"growth: list a page, {size} stored", gateway, loads.pages())
    own = await bench.load(f"growth: complainant read, {size} stored", gateway, await loads.own())
    return [
        ("read one case", "reads/s", read.rate),
        ("list a page", "pages/s", page.rate),
        ("complainant read", "reads/s", own.rate),
    ]
