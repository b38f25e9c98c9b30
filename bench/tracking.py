"""`tracking`: reading cases, beside a bare FastAPI GET measured in the same run.

- an institution reading one case (target 0.35 of the bare GET);
- an institution listing a page of its cases (target 0.2);
- a complainant reading their case (target 0.35) through the case session: the receipt is
  checked once (`POST /v1/cases/{reference}/session`), then each read sends the session's
  bearer token and costs no receipt hash.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from bench.intake import complaint
from bench.load import Request
from bench.report import result
from bench.running import Platform
from bench.suite import Bench

CASES = 40
READ_TARGET, LIST_TARGET, COMPLAINANT_TARGET = 0.35, 0.2, 0.35


async def filed_cases(gateway: str, count: int) -> list[dict[str, str]]:
    """`count` complaints filed and routed to the Médiateur; their references and receipts."""
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:
        accepted = []
        for number in range(count):
            answer = await client.post("/v1/complaints", json=complaint(number))
            answer.raise_for_status()
            accepted.append(answer.json())
        for filed in accepted:
            for _ in range(600):
                seen = await client.get(
                    f"/v1/cases/{filed['reference']}", headers={"X-Receipt": filed["receipt"]}
                )
                if seen.status_code == 200 and seen.json()["status"] == "routed":
                    break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"case {filed['reference']} was not routed within a minute")
    return accepted


async def case_sessions(gateway: str, cases: Sequence[dict[str, str]]) -> list[str]:
    """A case session's bearer token for each case, its receipt checked once."""
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:
        tokens = []
        for case in cases:
            answer = await client.post(
                f"/v1/cases/{case['reference']}/session", headers={"X-Receipt": case["receipt"]}
            )
            answer.raise_for_status()
            tokens.append(answer.json()["access_token"])
    return tokens


@dataclass(frozen=True)
class Loads:
    """The reading loads of an institution and its complainants, on cases filed once.

    Access tokens and case sessions expire (five minutes for a token), and `growth` measures
    long after it prepared its cases; so each load asks for fresh ones as it is built.
    """

    platform: Platform
    client: tuple[str, str]
    """The Médiateur's API client: its id and secret."""
    cases: list[dict[str, str]]
    """The cases filed through the gateway to read: their references and receipts."""

    @property
    def filed(self) -> int:
        return len(self.cases)

    def institution_reads(self, references: Sequence[str] | None = None) -> list[Request]:
        bearer = self._bearer()
        return [
            Request("GET", f"/v1/cases/{reference}", bearer)
            for reference in (references or [case["reference"] for case in self.cases])
        ]

    async def read_once(self, bench: Bench, references: Sequence[str], name: str) -> None:
        """Each case in `references` read once by the institution, `bench.connections` at a time,
        with a progress bar: what case tracking answers is then kept in the gateway's cache, as
        it is for an institution that has read its cases before. Prints their rate: reads the
        cache mostly did not hold, answered by case tracking."""
        task = bench.progress.add_task(name, total=len(references))
        started = time.perf_counter()
        waiting = iter(references)
        async with httpx.AsyncClient(
            base_url=self.platform.gateway, headers=self._bearer(), timeout=60
        ) as client:

            async def reader() -> None:
                for reference in waiting:
                    answer = await client.get(f"/v1/cases/{reference}")
                    answer.raise_for_status()
                    bench.progress.advance(task)

            await asyncio.gather(*(reader() for _ in range(bench.connections)))
        rate = len(references) / (time.perf_counter() - started)
        bench.progress.remove_task(task)
        bench.progress.console.print(f"{name}: {rate:.0f} reads/s")

    def pages(self) -> list[Request]:
        return [Request("GET", "/v1/cases?limit=20", self._bearer())]

    async def own(self) -> list[Request]:
        """Each complainant reading their case through a case session opened now."""
        sessions = await case_sessions(self.platform.gateway, self.cases)
        return [
            Request("GET", f"/v1/cases/{case['reference']}", {"Authorization": f"Bearer {session}"})
            for case, session in zip(self.cases, sessions, strict=True)
        ]

    def _bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.platform.token(*self.client)}"}


async def reading_loads(bench: Bench) -> Loads:
    """Cases filed and routed to the Médiateur, and its client."""
    platform = bench.platform
    client = platform.create_client("ma-mediateur", "cases:read")
    cases = await filed_cases(platform.gateway, CASES)
    return Loads(platform=platform, client=client, cases=cases)


async def tracking(bench: Bench) -> None:
    loads = await reading_loads(bench)
    # Filing the cases owes the Médiateur its notices, sent a minute on (the merge window); their
    # sending would forget the cases in the cache in the midst of the loads.
    await bench.settle()
    gateway = bench.platform.gateway
    ping = [Request("GET", "/ping")]
    bare = await bench.load("tracking baseline: bare GET", bench.baseline_url, ping)
    reads = await bench.load(
        "tracking: institution reads a case", gateway, loads.institution_reads()
    )
    pages = await bench.load("tracking: institution lists cases", gateway, loads.pages())
    owns = await bench.load("tracking: complainant reads their case", gateway, await loads.own())
    bench.results += [
        result("tracking: read one case", reads.rate, "reads/s", bare.rate, READ_TARGET),
        result("tracking: list a page", pages.rate, "pages/s", bare.rate, LIST_TARGET),
        result("tracking: complainant read", owns.rate, "reads/s", bare.rate, COMPLAINANT_TARGET),
    ]
