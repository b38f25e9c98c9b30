"""`python -m bench [name …]`: the benchmarks, each a ratio to a baseline measured in the same run.

Starts the platform as `nowrongdoor up` does (embedded NATS and Redis, SQLite, rate limits off;
on PostgreSQL with `--database-url`) and the baselines' bare server, runs the benchmarks named
(all by default) with a progress bar, prints the table, writes `bench/results/latest.json` and
draws `bench/results/throughput.png` and `latency.png`. Exits 1 when a target is not met.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from bench import report, running
from bench.growth import Before, growth, growth_after, growth_before
from bench.intake import intake
from bench.memory import memory
from bench.pipeline import pipeline
from bench.soak import WARMUP_SECONDS as SOAK_WARMUP_SECONDS
from bench.soak import soak
from bench.suite import Bench
from bench.tracking import tracking

BENCHMARKS: dict[str, Callable[[Bench], Awaitable[None]]] = {
    "intake": intake,
    "pipeline": pipeline,
    "tracking": tracking,
    "growth": growth,
    "memory": memory,
    "soak": soak,
}
T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "results"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="name", help=f"any of {', '.join(BENCHMARKS)}; all by default"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="measured, per load")
    parser.add_argument("--warmup", type=float, default=3.0, help="not counted, per load")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--cases", type=int, default=100_000, help="cases stored for growth's second measure"
    )
    parser.add_argument(
        "--soak-seconds", type=float, default=600.0, help="how long soak runs, warm-up included"
    )
    parser.add_argument(
        "--database-url", help="a PostgreSQL server (postgresql://…) instead of SQLite"
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    given = parser.parse_args()
    if given.soak_seconds <= SOAK_WARMUP_SECONDS:
        parser.error(f"--soak-seconds must be more than its {SOAK_WARMUP_SECONDS:.0f} s warm-up")
    return given


async def main() -> int:
    given = arguments()
    names = given.names or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"no benchmark named {', '.join(unknown)}; there are {', '.join(BENCHMARKS)}")
        return 2
    console = Console()
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    with (
        tempfile.TemporaryDirectory(prefix="nwd-bench-") as folder,
        running.platform(Path(folder), database_url=given.database_url) as platform,
        running.baseline_server() as baseline_url,
        Progress(*columns, console=console) as progress,
    ):
        bench = Bench(
            platform=platform,
            baseline_url=baseline_url,
            progress=progress,
            connections=given.connections,
            seconds=given.seconds,
            warmup=given.warmup,
            cases=given.cases,
            soak_seconds=given.soak_seconds,
        )
        if "growth" in names and "soak" in names:
            # The soak's ten minutes go by while growth fills its cases, with that as its load.
            bench.alongside = soak
            names.remove("soak")
        before: Before | None = None
        if "growth" in names and len(names) > 1:
            # Growth's first measure at 1,000 cases, before the others file complaints.
            before = await timed("growth at 1,000", growth_before(bench), console)
        for name in names:
            run = growth_after(bench, before) if name == "growth" and before else None
            await bench.settle()
            await timed(name, run or BENCHMARKS[name](bench), console)
    report.print_table(bench.results, console)
    console.print(f"written: {report.write_json(bench.results, given.results)}")
    for chart in report.draw_charts(bench.measured, given.results):
        console.print(f"drawn:   {chart}")
    return 0 if all(found.met for found in bench.results) else 1


async def timed(name: str, benchmark: Awaitable[T], console: Console) -> T:
    """`benchmark`'s outcome, once it has said how long it took."""
    started = time.monotonic()
    outcome = await benchmark
    took = time.monotonic() - started
    console.print(f"{name}: done in {took // 60:.0f} min {took % 60:.0f} s")
    return outcome


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
