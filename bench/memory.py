"""`memory`: the resident memory of each service once the benchmarks before it have run, against
the limit of 150 MB. It reads what the loads named before it left behind: in the whole suite
it comes after `growth`, that is after 100,000 complaints (`python -m bench growth memory`).
`soak` then checks that memory stays flat at a steady rate.
"""

from __future__ import annotations

from bench.report import limit_result
from bench.running import service_memory
from bench.suite import Bench

LIMIT_MB = 150.0


async def memory(bench: Bench) -> None:
    for name, size in sorted(service_memory(bench.platform).items()):
        bench.results.append(limit_result(f"memory: {name}", size / 2**20, "MB", LIMIT_MB))
