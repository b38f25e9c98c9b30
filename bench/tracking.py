"""`tracking`: reading cases, beside a bare FastAPI GET measured in the same run.

- an institution reading one case (target 0.35 of the bare GET);
- an institution listing a page of its cases (target 0.2);
- a complainant reading their case (target 0.35). Today each such read sends `X-Receipt` and
  pays the receipt's slow hash: the short-lived case session that would spare it is not offered
  to API callers yet, so this figure shows what that costs.
"""

from __future__ import annotations

import asyncio
import itertools

import httpx

from bench.intake import complaint
from bench.report import result
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


async def tracking(bench: Bench) -> None:
    platform = bench.platform
    token = platform.token(*platform.create_client("ma-mediateur", "cases:read"))
    cases = await filed_cases(platform.gateway, CASES)
    references = itertools.cycle([case["reference"] for case in cases])
    receipts = itertools.cycle(cases)
    bearer = {"Authorization": f"Bearer {token}"}

    async def ping(client: httpx.AsyncClient, number: int) -> bool:
        return (await client.get("/ping")).status_code == 200

    async def read(client: httpx.AsyncClient, number: int) -> bool:
        return (await client.get(f"/v1/cases/{next(references)}")).status_code == 200

    async def page(client: httpx.AsyncClient, number: int) -> bool:
        return (await client.get("/v1/cases", params={"limit": 20})).status_code == 200

    async def own(client: httpx.AsyncClient, number: int) -> bool:
        case = next(receipts)
        answer = await client.get(
            f"/v1/cases/{case['reference']}", headers={"X-Receipt": case["receipt"]}
        )
        return answer.status_code == 200

    gateway = platform.gateway
    bare = await bench.load("tracking baseline: bare GET", bench.baseline_url, ping)
    reads = await bench.load("tracking: institution reads a case", gateway, read, headers=bearer)
    pages = await bench.load("tracking: institution lists cases", gateway, page, headers=bearer)
    owns = await bench.load("tracking: complainant reads their case", gateway, own)
    bench.results += [
        result("tracking: read one case", reads.rate, "reads/s", bare.rate, READ_TARGET),
        result("tracking: list a page", pages.rate, "pages/s", bare.rate, LIST_TARGET),
        result("tracking: complainant read", owns.rate, "reads/s", bare.rate, COMPLAINANT_TARGET),
    ]
