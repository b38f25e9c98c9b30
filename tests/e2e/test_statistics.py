"""Complaints filed through the gateway show up in the published statistics, counted from their
facts alone: the large cell shown, the small ones withheld, and nothing that points at anyone.

The platform is shared with the other tests, so the population lives where no other test files
anything (Souss-Massa, Guelmim-Oued Noun and Laâyoune-Sakia El Hamra) and the cells are compared
with a first reading. The small cells are always withheld; the large one is shown unless the
disclosure control picked it as a complement to protect some other small cell in its sums,
which the other tests' cases on the same platform can cause — then it is withheld too, never
shown wrong.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx

from nowrongdoor.testing.apps import eventually

from .test_complaint_to_case import complaint, file, follow_until

TABLE = "received-by-institution-and-territory-2"
INSTITUTION = "ma-mediateur"
# Region by region: how many complaints, all about a commune, all maladministration.
POPULATION = {"MA-09": 6, "MA-10": 2, "MA-11": 3}
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


def shown(cells: dict[str, dict[str, Any]], territory: str) -> int:
    count: int | None = cells.get(territory, {}).get("count")
    return count or 0


async def test_filed_complaints_are_published_counted_and_protected(
    gateway: httpx.AsyncClient,
) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    before = await territory_cells(gateway, month)
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

    # Every case is open before the statistics are read; the read model may still be a few
    # seconds behind, so the cells are polled until they show the new cases.
    for receipt in accepted:
        await follow_until(gateway, receipt, "routed", timeout=90)

    async def published() -> dict[str, dict[str, Any]] | None:
        cells = await territory_cells(gateway, month)
        large, small = cells.get(LARGE), [cells.get(territory) for territory in SMALL]
        if large is None or any(cell is None for cell in small):
            return None
        large_arrived = large["suppressed"] or large["count"] >= (
            shown(before, LARGE) + POPULATION[LARGE]
        )
        small_withheld = all(cell is not None and cell["suppressed"] for cell in small)
        return cells if large_arrived and small_withheld else None

    cells = await eventually(published, timeout=60, interval=0.5)
    large = cells[LARGE]
    assert (large["count"] is None) == large["suppressed"]
    for territory in SMALL:
        assert (cells[territory]["count"], cells[territory]["suppressed"]) == (None, True)

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
