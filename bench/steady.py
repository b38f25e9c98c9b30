"""`python -m bench.steady RATE`: what the pipeline spends on a complaint at a fixed rate.

Where `python -m bench pipeline` sets its steady rate from the burst it measured (so a faster
hour sets a heavier load), this keeps the rate given, and reads each process's CPU from `/proc`
over the load: comparing two versions of the code at the same rate compares what each costs,
however busy the machine is otherwise. The platform starts as `make bench` starts it; the
complaints are published as intake's outbox relay publishes them, and each is timed from its
event to its case's opening.

    python -m bench.steady 150 --seconds 30 --burst 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import nats

from bench.load import percentiles
from bench.pipeline import Openings, send, send_at_rate
from bench.running import Platform, platform, started_processes
from nowrongdoor.contracts.events import CaseOpened

PROCESSES = (
    "case_tracking",
    "notifications",
    "routing",
    "intake",
    "gateway",
    "nats-server",
    "redis",
)
"""What each process's command line names it by; the first found wins."""
TICKS_PER_MS = os.sysconf("SC_CLK_TCK") / 1000
"""`/proc` counts CPU in the kernel's clock ticks (100 a second on Linux)."""


def cpu_ticks(started: Platform) -> dict[str, int]:
    """The CPU ticks (user and system) each process the platform started has used so far."""
    found: dict[str, int] = {}
    for _, command, fields in started_processes(started):
        line = " ".join(command)
        name = next((name for name in PROCESSES if name in line), None)
        if name is not None:
            found[name] = found.get(name, 0) + int(fields[11]) + int(fields[12])
    return found


def per_complaint(before: dict[str, int], after: dict[str, int], complaints: int) -> str:
    """Milliseconds of CPU a complaint, by process and in all."""
    spent = {name: (after[name] - before.get(name, 0)) for name in sorted(after)}
    parts = [f"{name} {ticks / TICKS_PER_MS / complaints:.2f}" for name, ticks in spent.items()]
    total = sum(spent.values()) / TICKS_PER_MS / complaints
    return ", ".join(parts) + f"; in all {total:.2f}"


async def until_open(openings: Openings, within: float = 120.0) -> None:
    """Return once every complaint sent has its case open; raise if some have not in time."""
    deadline = time.perf_counter() + within
    while openings.sent:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{len(openings.sent)} cases did not open within {within:g} s")
        await asyncio.sleep(0.05)


async def measure(started: Platform, rate: float, seconds: float, burst: int) -> None:
    connection = await nats.connect(started.nats_url)
    stream = connection.jetstream()
    openings = Openings()
    await connection.subscribe(CaseOpened.subject, cb=openings.seen)
    try:
        for _ in range(200):  # warm: every consumer has fetched, every statement is prepared
            await send(stream, openings)
        await until_open(openings)
        await asyncio.sleep(8)  # the warm-up's notices
        if burst:
            before, began = cpu_ticks(started), time.perf_counter()
            openings.carried.clear()
            for _ in range(burst):
                await send(stream, openings)
            await until_open(openings)
            took = max(opened for _, opened in openings.carried) - began
            await asyncio.sleep(10)  # its notices, counted with it
            print(f"burst of {burst}: {burst / took:.0f} complaints/s")
            print(f"  ms of CPU a complaint: {per_complaint(before, cpu_ticks(started), burst)}")
        openings.carried.clear()
        before = cpu_ticks(started)
        sent = await send_at_rate(stream, openings, rate, seconds)
        after = cpu_ticks(started)
        await asyncio.sleep(3)
        times = [opened - sent_at for sent_at, opened in openings.carried]
        cut = percentiles(times)
        print(f"steady {rate:g}/s for {seconds:g} s: {len(times)} of {sent} open")
        print(f"  p50 {cut[50] * 1000:.0f} ms, p99 {cut[99] * 1000:.0f} ms")
        print(f"  ms of CPU a complaint: {per_complaint(before, after, sent)}")
    finally:
        await connection.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rate", type=float, help="complaints a second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--burst", type=int, default=0, help="a burst of so many first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nwd-steady-") as data, platform(Path(data)) as up:
        asyncio.run(measure(up, args.rate, args.seconds, args.burst))


if __name__ == "__main__":
    main()
