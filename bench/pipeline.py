"""`pipeline`: complaints carried from `complaint.received` to an open case, beside raw JetStream
on the same server. Targets: 0.10 of the raw rate, and p99 from `complaint.received` to
`case.opened` under 100 ms at half the rate the platform sustains.

The events are published as intake's outbox relay publishes them, straight onto the platform's
embedded NATS; `case.opened` is watched on the same server. First a burst: as many complaints as
the raw run's messages, counted until every case is open. Then, once the services have handled
what the burst left them, a steady load at half that rate for the measured seconds, each case
timed from its event to its opening, and the backlog (events published, cases not yet open)
read at the end.

The baseline publishes the same number of messages of the same size to a stream of its own and
pulls, acknowledges and counts them with one consumer, concurrently with the publishing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from bench.load import Run, percentiles
from bench.report import Measured, limit_result, result
from bench.suite import Bench
from nowrongdoor.contracts.events import CaseOpened, ComplaintFacts, ComplaintReceived
from nowrongdoor.envelope import Envelope
from nowrongdoor.ids import new_reference

RATE_TARGET = 0.10
P99_LIMIT_MS = 100.0
MESSAGES = 2000
RAW_STREAM, RAW_SUBJECT = "BENCH_RAW", "bench.raw"
FACTS = ComplaintFacts(
    category="maladministration",
    respondent_type="local-authority",
    respondent_territory="MA-06",
    complainant_role="citizen",
    anonymous=True,
    administration_contacted=True,
    court_case_pending=False,
    language="fr",
    channel="api",
)


def received() -> tuple[str, Envelope]:
    reference = new_reference()
    event = ComplaintReceived(reference=reference, received_at=datetime.now(UTC), facts=FACTS)
    return reference, Envelope.wrap(event, source="/bench", subject=reference)


async def raw_rate(connection: Client, count: int, size: int) -> float:
    """Messages per second through publish, pull, ack on a stream of the benchmark's own."""
    stream = connection.jetstream()
    await stream.add_stream(name=RAW_STREAM, subjects=[RAW_SUBJECT])
    try:
        subscription = await stream.pull_subscribe(RAW_SUBJECT, durable="bench")
        payload = b"x" * size
        started = time.perf_counter()

        async def publish() -> None:
            for _ in range(count):
                await stream.publish(RAW_SUBJECT, payload)

        async def consume() -> None:
            seen = 0
            while seen < count:
                try:
                    batch = await subscription.fetch(100, timeout=5)
                except nats.errors.TimeoutError:
                    continue
                for message in batch:
                    await message.ack()
                seen += len(batch)

        await asyncio.gather(publish(), consume())
        return count / (time.perf_counter() - started)
    finally:
        await stream.delete_stream(RAW_STREAM)


class Openings:
    """The `case.opened` events seen, each with when its complaint's event was sent."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.carried: list[tuple[float, float]] = []
        """(sent, opened) of every case seen open, in `time.perf_counter()` seconds."""

    async def seen(self, message: Msg) -> None:
        reference = message.header.get("ce-subject", "") if message.header else ""
        began = self.sent.pop(reference, None)
        if began is not None:
            self.carried.append((began, time.perf_counter()))

    def window(self, start: float, seconds: float) -> Run:
        """The cases sent within `seconds` from `start`: their times to opening, and the
        openings of each second."""
        latencies = []
        per_second = [0] * max(1, int(seconds))
        for sent, opened in self.carried:
            if start <= sent < start + seconds:
                latencies.append(opened - sent)
            second = int(opened - start)
            if 0 <= second < len(per_second):
                per_second[second] += 1
        return Run(
            seconds=seconds,
            answered=len(latencies),
            per_second=per_second,
            latency=percentiles(latencies),
        )


async def pipeline(bench: Bench) -> None:
    connection = await nats.connect(bench.platform.nats_url)
    try:
        size = len(received()[1].data)
        raw = await raw_rate(connection, MESSAGES, size)
        openings = Openings()
        await connection.subscribe(CaseOpened.subject, cb=openings.seen)
        carried = await _burst(bench, connection, openings)
        # The burst's notices and timelines are still being handled after its last opening:
        # the steady load begins once they are, so that it is timed at that rate alone.
        await bench.settle()
        steady = await _steady(bench, connection, openings, carried / 2)
    finally:
        await connection.drain()
    bench.measured.append(Measured("pipeline: steady at half the burst rate", steady))
    bench.results += [
        result("pipeline", carried, "complaints/s", raw, RATE_TARGET),
        limit_result(
            "pipeline: p99 received to opened", steady.percentile(99) * 1000, "ms", P99_LIMIT_MS
        ),
    ]


async def send(stream: JetStreamContext, openings: Openings) -> None:
    """One complaint's `complaint.received`, published as intake's relay publishes it, timed."""
    reference, envelope = received()
    openings.sent[reference] = time.perf_counter()
    await stream.publish(ComplaintReceived.subject, envelope.data, headers=envelope.headers())


async def send_at_rate(
    stream: JetStreamContext,
    openings: Openings,
    rate: float,
    seconds: float,
    elapsed: Callable[[float], object] = lambda _: None,
) -> int:
    """Send `rate` complaints a second for `seconds`; how many were sent. `elapsed` is told
    the seconds gone by after each round of sends."""
    started = time.perf_counter()
    sent = 0
    while (gone := time.perf_counter() - started) < seconds:
        while sent < int(gone * rate) + 1:
            await send(stream, openings)
            sent += 1
        elapsed(gone)
        await asyncio.sleep(max(0.0, sent / rate - (time.perf_counter() - started)))
    return sent


async def _burst(bench: Bench, connection: Client, openings: Openings) -> float:
    """Complaints carried per second when as many arrive at once as the raw run sent."""
    stream = connection.jetstream()
    task = bench.progress.add_task("pipeline: a burst of complaints", total=MESSAGES)
    started = time.perf_counter()
    for _ in range(MESSAGES):
        await send(stream, openings)
    while openings.sent:
        bench.progress.update(task, completed=MESSAGES - len(openings.sent))
        await asyncio.sleep(0.2)
    bench.progress.update(task, completed=MESSAGES)
    return MESSAGES / (max(opened for _, opened in openings.carried) - started)


async def _steady(bench: Bench, connection: Client, openings: Openings, rate: float) -> Run:
    """`rate` complaints a second through the warm-up and the measured seconds; the measured
    ones' times to opening, and how many were still waiting at the end."""
    stream = connection.jetstream()
    total = bench.warmup + bench.seconds
    task = bench.progress.add_task(f"pipeline: {rate:.0f} complaints/s", total=total)
    started = time.perf_counter()

    def shown(elapsed: float) -> None:
        bench.progress.update(task, completed=elapsed)

    await send_at_rate(stream, openings, rate, total, shown)
    bench.progress.update(task, completed=total)
    run = openings.window(started + bench.warmup, bench.seconds)
    run.failures = len(openings.sent)
    if run.failures:
        bench.progress.console.print(
            f"[yellow]pipeline: {run.failures} complaints not yet open when the load ended[/]"
        )
    return run
