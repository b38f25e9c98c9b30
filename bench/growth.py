"""`growth`: an institution's reads and lists, and a complainant's reads, measured with 1,000
cases stored and again with 100,000 (`--cases`); each must keep 0.9 of its rate at the smaller
size.

The cases are filled in as intake's outbox relay would announce them: `complaint.received` events
published onto the platform's NATS, each carried by routing and case-tracking to an open case at
the Médiateur, the institution whose list is read. The sizes count every case stored, as case
tracking's `nwd_cases` gauge does, and the result's name says both. In the whole suite growth's
first measure comes before the other benchmarks file their complaints, and `soak` runs while the
filling does. Filling 100,000 takes as long as the pipeline needs for them (the progress bar
shows it); `--cases 20000` gives a quicker, smaller picture.

Before each measure the platform settles: every consumer catches up, and notifications sends
every email the filling owed the Médiateur's mailbox, a minute after the last (its merge window).
Then each case the reads read is read once, most missing the gateway's cache; the rate of
those reads is printed, not judged.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from bench.pipeline import received
from bench.report import result
from bench.suite import Bench, gauge
from bench.tracking import Loads, reading_loads
from nowrongdoor.contracts.events import CaseOpened, ComplaintReceived

SMALL = 1000
TARGET = 0.9
IN_FLIGHT = 2000
"""Events published and not yet opened as cases, at most: the pipeline is fed, never flooded."""


class Filling:
    """Publishes `complaint.received` events and counts the cases they open."""

    def __init__(self, connection: Client, references: list[str]) -> None:
        self.connection = connection
        self.stream = connection.jetstream()
        self.published = 0
        self.references = references
        """The first cases filled in, which the reads read."""
        self.mine: set[str] = set()
        self.opened = 0
        """Cases opened from the events published here (another load may open others)."""

    async def seen(self, message: Msg) -> None:
        reference = message.headers.get("ce-subject") if message.headers else None
        if reference in self.mine:
            self.mine.discard(reference)
            self.opened += 1

    async def more(self, bench: Bench, count: int) -> None:
        """`count` more cases published and opened, with a progress bar."""
        task = bench.progress.add_task(f"growth: filling {count:,} cases", total=count)
        started, first = time.perf_counter(), self.opened
        total = self.published + count
        watching = await self.connection.subscribe(CaseOpened.subject, cb=self.seen)
        try:
            while self.opened < total:
                while self.published < total and self.published - self.opened < IN_FLIGHT:
                    reference, envelope = received()
                    self.mine.add(reference)
                    await self.stream.publish(
                        ComplaintReceived.subject, envelope.data, headers=envelope.headers()
                    )
                    self.published += 1
                    if len(self.references) < SMALL:
                        self.references.append(reference)
                bench.progress.update(task, completed=self.opened - first)
                await asyncio.sleep(0.2)
        finally:
            await watching.unsubscribe()
        bench.progress.update(task, completed=count)
        rate = (self.opened - first) / (time.perf_counter() - started)
        bench.progress.console.print(f"growth: {count:,} cases filled ({rate:.0f} opened/s)")


CASES = "nwd_cases"


@dataclass
class Before:
    """What growth's first measure leaves for its second."""

    loads: Loads
    references: list[str]
    stored: int
    rates: list[tuple[str, str, float]]


async def growth(bench: Bench) -> None:
    await growth_after(bench, await growth_before(bench))


async def growth_before(bench: Bench) -> Before:
    """The reads measured at 1,000 cases (or as many as are stored already, if more)."""
    connection = await nats.connect(bench.platform.nats_url)
    try:
        loads = await reading_loads(bench)
        filling = Filling(connection, [])
        stored = await gauge(bench.platform.case_tracking, CASES)
        await filling.more(bench, max(SMALL - stored, 0))
        await bench.settle()
    finally:
        await connection.drain()
    stored = await gauge(bench.platform.case_tracking, CASES)
    rates = await _measured(bench, loads, filling.references, stored)
    return Before(loads, filling.references, stored, rates)


async def growth_after(bench: Bench, before: Before) -> None:
    """The same reads once `--cases` are stored, each a ratio to its rate before."""
    connection = await nats.connect(bench.platform.nats_url)
    try:
        filling = Filling(connection, before.references)
        stored = await gauge(bench.platform.case_tracking, CASES)
        alongside = asyncio.create_task(bench.alongside_filling()) if bench.alongside else None
        bench.filling = True
        try:
            await filling.more(bench, max(max(bench.cases, SMALL * 2) - stored, 0))
        finally:
            bench.filling = False
        if alongside:
            await alongside
        await bench.settle()
    finally:
        await connection.drain()
    stored = await gauge(bench.platform.case_tracking, CASES)
    after = await _measured(bench, before.loads, before.references, stored)
    for (name, unit, small_rate), (_, _, large_rate) in zip(before.rates, after, strict=True):
        named = f"growth: {name} at {stored:,} against {before.stored:,}"
        bench.results.append(result(named, large_rate, unit, small_rate, TARGET))


async def _measured(
    bench: Bench, loads: Loads, references: list[str], stored: int
) -> list[tuple[str, str, float]]:
    """Each reading load's rate with `stored` cases, reading the first cases filled in.

    The cases are read once before the loads. Otherwise the first load's rate is the time its
    1,000 first reads, each missing the cache, outlast its warm-up: at 1,000 cases none has been
    read yet, and after the filling the notices just delivered onto each case have forgotten
    its answer. Either way the ratio would measure that, not how the read grows."""
    gateway = bench.platform.gateway
    size = f"{stored:,} stored"
    await loads.read_once(bench, references, f"growth: reading each case once, {size}")
    reads = loads.institution_reads(references)
    read = await bench.load(f"growth: read one case, {size}", gateway, reads)
    page = await bench.load(f"growth: list a page, {size}", gateway, loads.pages())
    own = await bench.load(f"growth: complainant read, {size}", gateway, await loads.own())
    return [
        ("read one case", "reads/s", read.rate),
        ("list a page", "pages/s", page.rate),
        ("complainant read", "reads/s", own.rate),
    ]
