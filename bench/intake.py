"""`intake`: complaints fully accepted through the gateway (stored, outbox written, receipt hashed)
per second, beside a bare endpoint doing only the same receipt hash. Target: 0.8 of it.

The baseline is measured before and after the platform and the two averaged, so a machine that
slows down during the run does not favour either side.
"""

from __future__ import annotations

from typing import Any

import httpx

from bench.report import result
from bench.suite import Bench

TARGET = 0.8


def complaint(number: int) -> dict[str, Any]:
    return {
        "description": f"Benchmark complaint {number}: the commune has not answered for months.",
        "category": "maladministration",
        "respondent": {
            "name": "Commune de Casablanca",
            "type": "local-authority",
            "territory": "MA-06",
        },
        "complainant": {"role": "citizen", "anonymous": True},
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
    }


async def hash_one(client: httpx.AsyncClient, number: int) -> bool:
    return (await client.post("/hash")).status_code == 201


async def file_one(client: httpx.AsyncClient, number: int) -> bool:
    return (await client.post("/v1/complaints", json=complaint(number))).status_code == 201


async def intake(bench: Bench) -> None:
    before = await bench.load("intake baseline: bare Argon2id", bench.baseline_url, hash_one)
    filed = await bench.load("intake: complaints accepted", bench.platform.gateway, file_one)
    after = await bench.load("intake baseline, again", bench.baseline_url, hash_one)
    baseline = (before.rate + after.rate) / 2
    bench.results.append(result("intake", filed.rate, "complaints/s", baseline, TARGET))
