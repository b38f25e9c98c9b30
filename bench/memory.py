"""`memory`: the resident memory of each service once the benchmarks before it have run, against
the limit of 150 MB. Name it last (`python -m bench intake tracking memory`) to read what the
loads left behind.

Still to come: reading it after 100,000 complaints, and a ten-minute soak at a steady rate that
must show no growth after warm-up.
"""

from __future__ import annotations

from bench.report import limit_result
from bench.running import service_memory
from bench.suite import Bench

LIMIT_MB = 150.0


async def memory(bench: Bench) -> None:
    for name, size in sorted(service_memory(bench.platform).items()):
        bench.results.append(limit_result(f"memory: {name}", size / 2**20, "MB", LIMIT_MB))
