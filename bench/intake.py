"""`intake`: complaints fully accepted through the gateway (stored, outbox written, receipt hashed)
per second, beside a bare endpoint doing only the same receipt hash. Target: 0.8 of it.

The baseline is measured before and after the platform and the two averaged, so a machine that
slows down during the run does not favour either side. The pipeline opens the filed complaints'
cases once intake's load stops; the second baseline waits until it has, so that it does not
share the machine with that work.
"""

from __future__ import annotations

from typing import Any

from bench.load import Request
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


COMPLAINTS = 1000
"""Distinct complaints prepared; the load cycles through them."""


async def intake(bench: Bench) -> None:
    hashes = [Request("POST", "/hash")]
    complaints = [
        Request.with_json("POST", "/v1/complaints", complaint(number))
        for number in range(COMPLAINTS)
    ]
    before = await bench.load("intake baseline: bare Argon2id", bench.baseline_url, hashes)
    filed = await bench.load("intake: complaints accepted", bench.platform.gateway, complaints)
    await bench.settle(notices=False)
    after = await bench.load("intake baseline, again", bench.baseline_url, hashes)
    baseline = (before.rate + after.rate) / 2
    bench.results.append(result("intake", filed.rate, "complaints/s", baseline, TARGET))
