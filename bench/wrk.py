"""The load driven by wrk (`apt-get install wrk`), a C load generator that keeps up with a bare
server where an httpx client in this process tops out at a few hundred requests a second.

The prepared requests are written to a file that bench/wrk.lua cycles through; the script counts
the 2xx answers second by second and the rest as failures, and prints them with wrk's latency
percentiles as one JSON line. The warm-up is a run of its own whose figures are dropped, so that
wrk's latency histogram holds the measured seconds only. That histogram holds every answer, a 2xx
or not, and wrk corrects it for coordinated omission: its tail can read a little higher than the
httpx driver's, which times only the 2xx answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.load import PERCENTILES, Request, Run, Tick

SCRIPT = Path(__file__).with_name("wrk.lua")
TIMEOUT = "30s"
"""An answer slower than this counts as a failure; wrk's histogram reaches this far."""


def installed() -> str | None:
    """The wrk binary on PATH, if any."""
    return shutil.which("wrk")


def wire_format(request: Request, base_url: str, headers: Mapping[str, str]) -> bytes:
    """`request` as HTTP/1.1 puts it on the wire to `base_url`, with `headers` under its own."""
    target = urlsplit(base_url)
    fields = httpx.Headers({"Host": target.netloc})
    fields.update(headers)
    fields.update(request.headers)
    if request.body or request.method not in ("GET", "HEAD"):
        fields["Content-Length"] = str(len(request.body))
    lines = [f"{request.method} {target.path.rstrip('/')}{request.path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in fields.multi_items()]
    return "\r\n".join([*lines, "", ""]).encode("latin-1") + request.body


def write_requests(
    path: Path, base_url: str, requests: Sequence[Request], headers: Mapping[str, str]
) -> None:
    """The file bench/wrk.lua reads: each request's length in bytes, a newline, its bytes."""
    with path.open("wb") as file:
        for request in requests:
            wire = wire_format(request, base_url, headers)
            file.write(b"%d\n%s" % (len(wire), wire))


def threads_for(connections: int) -> int:
    """Half the cores, leaving the rest to the servers measured, and a divisor of `connections`
    since each wrk thread opens `connections / threads` of them."""
    threads = max(1, min(connections, (os.cpu_count() or 2) // 2))
    while connections % threads:
        threads -= 1
    return threads


def parse(output: str, seconds: int) -> Run:
    """The run bench/wrk.lua's `done()` reported, from wrk's whole standard output, answers
    counted in `seconds` buckets (the few landing just after the last second go into it)."""
    lines = [line for line in output.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"wrk printed no figures from bench/wrk.lua:\n{output}")
    found = json.loads(lines[-1])
    per_second = [0] * seconds
    for second, count in enumerate(found["per_second"]):
        per_second[min(second, seconds - 1)] += count
    return Run(
        seconds=found["seconds"],
        answered=sum(per_second),
        failures=found["failures"],
        per_second=per_second,
        latency={q: found["latency_us"][str(q)] / 1e6 for q in PERCENTILES},
    )


async def drive_with_wrk(
    base_url: str,
    requests: Sequence[Request],
    *,
    connections: int,
    seconds: float,
    warmup: float,
    tick: Tick | None = None,
    headers: Mapping[str, str] | None = None,
) -> Run:
    """The load from wrk, over whole seconds (wrk counts no fractions); see `bench.load.Driver`."""
    measured = max(1, round(seconds))
    with tempfile.TemporaryDirectory(prefix="nwd-wrk-") as folder:
        prepared = Path(folder) / "requests"
        await asyncio.to_thread(write_requests, prepared, base_url, requests, headers or {})
        if warmup > 0:
            await _wrk(base_url, prepared, connections, max(1, round(warmup)), tick)
        return parse(await _wrk(base_url, prepared, connections, measured, tick), measured)


async def _wrk(
    base_url: str, prepared: Path, connections: int, seconds: int, tick: Tick | None
) -> str:
    """wrk's standard output after `seconds` of load, calling `tick` each second meanwhile."""
    threads = threads_for(connections)
    command = [installed() or "wrk", "--threads", str(threads), "--connections", str(connections)]
    command += ["--duration", f"{seconds}s", "--timeout", TIMEOUT, "--script", str(SCRIPT)]
    command += [base_url, "--", str(prepared), str(threads)]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    ticking = asyncio.create_task(_each_second(tick))
    try:
        output, errors = await process.communicate()
    finally:
        ticking.cancel()
        if process.returncode is None:
            process.kill()
            await process.wait()
    if process.returncode:
        raise RuntimeError(f"wrk exited with {process.returncode}:\n{errors.decode()}")
    return output.decode()


async def _each_second(tick: Tick | None) -> None:
    while tick is not None:
        await asyncio.sleep(1)
        tick()
