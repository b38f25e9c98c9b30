"""Complaints filed through the gateway show up in the published statistics once their month
has ended, counted from their facts alone: the large cell shown, the small ones withheld, and
nothing that points at anyone; and the month, once published, is never revised.

A month is published only after it has ended, so the shared platform never shows this month's
cases: it answers for this month as for one not yet published. To see them published, a
platform of this module's own runs case tracking a month ahead (`NWD_CASE_TRACKING_CLOCK_OFFSET`,
as for the deadline drills): complaints are received at the real time, in this month, and case
tracking already reads the month as ended. Nothing else files there, so every cell is known.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from .conftest import OwnPlatform, Platform
from .test_complaint_to_case import complaint, file, follow_until

TABLE = "received-by-institution-and-territory-2"
INSTITUTION = "ma-mediateur"
# Region by region: how many complaints, all about a commune, all maladministration. The two
# small ones add up to 7, so each could be 5 or 6 and the large one need not cover them.
POPULATION = {"MA-09": 6, "MA-10": 3, "MA-11": 4}
LARGE, SMALL = "MA-09", ("MA-10", "MA-11")
REFERENCE = re.compile(r"NWD-[0-9A-HJKMNP-TV-Z]{12}")
DAY = re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b")


def small_counts(document: Any, key: str = "") -> list[tuple[str, int]]:
    """Every integer from 1 to 4 under a key that names a count, anywhere in the document."""
    if isinstance(document, dict):
        return [found for name, value in document.items() for found in small_counts(value, name)]
    if isinstance(document, list):
        return [found for value in document for found in small_counts(value, key)]
    counted = ("count", "received", "cases", "complaints", "total", "closed", "opened", "due")
    if (
        isinstance(document, int)
        and not isinstance(document, bool)
        and 1 <= document <= 4
        and any(word in key for word in counted)
        and not any(word in key for word in ("day", "percent", "share", "month", "year"))
    ):
        return [(key, document)]
    return []


async def territory_cells(gateway: httpx.AsyncClient, month: str) -> dict[str, dict[str, Any]]:
    """The institution's cells of the month's table by region, by region; none yet, nothing."""
    response = await gateway.get("/v1/statistics/cases", params={"month": month, "table": TABLE})
    if response.status_code == 404:
        return {}
    assert response.status_code == 200, response.text
    [table] = response.json()["tables"]
    return {row["territory"]: row for row in table["rows"] if row["institution"] == INSTITUTION}


@pytest.fixture(scope="module")
def platform_a_month_on(own_platform: OwnPlatform) -> Iterator[Platform]:
    # 31 days on from any day of a month is past its end.
    with own_platform("month-on", extra_env={"NWD_CASE_TRACKING_CLOCK_OFFSET": "P31D"}) as started:
        yield started


@pytest.fixture
async def gateway_a_month_on(platform_a_month_on: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform_a_month_on.gateway, timeout=30) as client:
        yield client


async def test_the_running_month_is_not_published(gateway: httpx.AsyncClient) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    accepted = await file(gateway, complaint())
    await follow_until(gateway, accepted, "routed", timeout=90)

    answer = await gateway.get("/v1/statistics/cases", params={"month": month})

    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert month not in (await gateway.get("/v1/statistics")).json()["months"]


async def test_filed_complaints_are_published_counted_and_protected(
    gateway_a_month_on: httpx.AsyncClient,
) -> None:
    gateway = gateway_a_month_on
    month = datetime.now(UTC).strftime("%Y-%m")
    tag = secrets.token_hex(4)
    people = []
    accepted = []
    for territory, how_many in POPULATION.items():
        for number in range(how_many):
            person = {
                "name": f"Statisticsname {tag} {territory} {number}",
                "email": f"stats.{tag}.{territory.lower()}.{number}@example.org",
                "description": f"Statisticstext{tag}: the commune of {territory} lost my file "
                f"number {number} twice.",
            }
            people.append(person)
            body = complaint(
                description=person["description"],
                complainant={
                    "role": "citizen",
                    "anonymous": False,
                    "name": person["name"],
                    "email": person["email"],
                },
            )
            body["respondent"] = {
                "name": f"Commune {tag} {territory}",
                "type": "local-authority",
                "territory": territory,
            }
            accepted.append(await file(gateway, body))

    # Every case is open before the statistics are first read: that reading publishes the
    # month for good.
    for receipt in accepted:
        await follow_until(gateway, receipt, "routed", timeout=90)

    cells = await territory_cells(gateway, month)
    assert (cells[LARGE]["count"], cells[LARGE]["suppressed"]) == (POPULATION[LARGE], False)
    for territory in SMALL:
        assert (cells[territory]["count"], cells[territory]["suppressed"]) == (None, True)

    # One more complaint received in the month, heard after it was published: the month stays
    # as first published, so no two readings differ by one person's cells.
    late = complaint()
    late["respondent"] = {"name": f"Commune {tag}", "type": "local-authority", "territory": LARGE}
    await follow_until(gateway, await file(gateway, late), "routed", timeout=90)
    assert await territory_cells(gateway, month) == cells

    index = (await gateway.get("/v1/statistics")).json()
    assert month in index["months"]
    documents = {
        path: await gateway.get(path)
        for path in (
            "/v1/statistics",
            "/v1/statistics/cases",
            "/v1/statistics/timings",
            "/v1/statistics/promises",
            "/v1/statistics/months",
            "/v1/statistics/dictionary",
            "/v1/statistics/dictionary.csv",
            "/v1/statistics/catalogue.jsonld",
            f"/v1/statistics/cases?month={month}",
            f"/v1/statistics/timings?month={month}",
            f"/v1/statistics/promises?month={month}",
            f"/v1/statistics/downloads/{month}.json",
            *(
                f"/v1/statistics/downloads/{month}/{dataset}.{format}"
                for dataset in ("cases", "timings", "promises")
                for format in ("csv", "json")
            ),
        )
    }
    assert {path: answer.status_code for path, answer in documents.items()} == dict.fromkeys(
        documents, 200
    )
    for path, answer in documents.items():
        if not path.endswith(".csv"):
            assert small_counts(answer.json()) == [], path
    everything = "\n".join(answer.text for answer in documents.values())
    assert REFERENCE.findall(everything) == []
    assert DAY.findall(everything) == []
    assert "@example.org" not in everything
    assert tag not in everything
    for person in people:
        for said in person.values():
            assert said not in everything
    for receipt in accepted:
        assert receipt["reference"] not in everything
