"""Every published statistics file, dumped and scanned for anything that could point at a person.

Complaints are filed with names, contact details and free text; the stand-in case-tracking counts
them from their facts alone, as the service does; then every endpoint and download of every
month is read and searched for a reference, an email address, a phone number, a name, a phrase
of a complaint, or a date finer than the month.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from nowrongdoor.contracts.statistics import (
    SUPPRESSION_THRESHOLD,
    CountTable,
    Dimension,
    Statistics,
)

from ..fakes import FakeServices, Filed, complaint
from ..fakes.statistics import count_table

REFERENCE = re.compile(r"NWD-[0-9A-HJKMNP-TV-Z]{12}")
EMAIL = re.compile(r"[^@\s\"',]+@[^@\s\"',]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+[0-9][0-9 ().-]{6,}[0-9]")
DAY = re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b|T[0-9]{2}:[0-9]{2}")

PEOPLE = [
    ("Yasmine Berrada", "yasmine.berrada@example.org", "+212 611 223 344"),
    ("Karim Alaoui", "karim.alaoui@example.net", "+212 622 334 455"),
    ("Salma Tazi", "s.tazi@example.com", "+212 633 445 566"),
]


def population() -> list[dict[str, object]]:
    """Six complaints about communes in Casablanca-Settat, two about a ministry in Tanger;
    each identified, each with its own words."""
    bodies = []
    for number in range(8):
        name, email, phone = PEOPLE[number % len(PEOPLE)]
        small = number >= 6
        body = complaint(
            description=f"Complaint number {number}: the clerk Mustapha Q. refused my file "
            f"at window {number} and kept my documents.",
            category="integrity" if small else "maladministration",
            complainant={
                "role": "citizen",
                "anonymous": False,
                "name": name,
                "email": email,
                "phone": phone,
            },
        )
        body["respondent"] = {
            "name": "Ministère de l'Équipement" if small else f"Commune Hay Hassani {number}",
            "type": "national-administration" if small else "local-authority",
            "territory": "MA-01" if small else "MA-06",
        }
        bodies.append(body)
    return bodies


def counted(
    table_id: str, dimension: Dimension, facts: list[Filed], fact: Callable[[Filed], str]
) -> CountTable:
    """What case-tracking publishes for one fact: small cells withheld, and with a single
    withheld cell the next smallest too, so it cannot be recovered from the total."""
    counts = Counter(fact(filed) for filed in facts)
    withheld = {code for code, count in counts.items() if count < SUPPRESSION_THRESHOLD}
    if len(withheld) == 1 and len(counts) > 1:
        withheld.add(
            min((code for code in counts if code not in withheld), key=lambda code: counts[code])
        )
    cells: dict[tuple[str, ...], int | None] = {
        (code,): None if code in withheld else count for code, count in counts.items()
    }
    cells[("all",)] = len(facts)
    return count_table(table_id, "received", [dimension], cells)


def statistics_from(filed: list[Filed]) -> dict[str, Statistics]:
    """Each month's statistics from the complaints' facts: never a name, text or reference."""
    months: dict[str, list[Filed]] = {}
    for each in filed:
        months.setdefault(each.received_at.strftime("%Y-%m"), []).append(each)
    return {
        month: Statistics(
            month=month,
            counts=[
                counted(
                    "received-by-category",
                    "category",
                    facts,
                    lambda f: f.complaint.submission.category,
                ),
                counted(
                    "received-by-territory-2",
                    "territory",
                    facts,
                    lambda f: f.complaint.submission.respondent.territory,
                ),
                counted("received-by-channel", "channel", facts, lambda f: f.complaint.channel),
            ],
            timings=[],
            promises=[],
        )
        for month, facts in months.items()
    }


async def every_published_file(client: httpx.AsyncClient) -> dict[str, str]:
    """Every endpoint and download, for every month there are statistics for."""
    index = (await client.get("/v1/statistics")).json()
    paths = [
        "/v1/statistics",
        "/v1/statistics/cases",
        "/v1/statistics/timings",
        "/v1/statistics/promises",
        "/v1/statistics/months",
        "/v1/statistics/running-month",
        "/v1/statistics/dictionary",
        "/v1/statistics/dictionary.csv",
        "/v1/statistics/catalogue.jsonld",
    ]
    for month in index["months"]:
        paths += [
            f"/v1/statistics/{dataset}?month={month}"
            for dataset in ("cases", "timings", "promises")
        ]
        paths += [
            f"/v1/statistics/downloads/{month}/{dataset}.{format}"
            for dataset in ("cases", "timings", "promises")
            for format in ("csv", "json")
        ]
        paths.append(f"/v1/statistics/downloads/{month}.json")
    files = {}
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 200, path
        files[path] = response.content.decode("utf-8")
    return files


@pytest.fixture
async def filed(client: httpx.AsyncClient, services: FakeServices) -> dict[str, Filed]:
    """The population, filed through the gateway, by reference."""
    for body in population():
        response = await client.post("/v1/complaints", json=body)
        assert response.status_code == 201, response.text
    services.statistics.published = statistics_from(list(services.submissions.values()))
    return services.submissions


async def test_the_stand_in_counts_the_population_as_the_service_would(
    client: httpx.AsyncClient, filed: dict[str, Filed]
) -> None:
    [table] = [
        table
        for table in (await client.get("/v1/statistics/cases")).json()["tables"]
        if table["id"] == "received-by-category"
    ]

    assert {row["category"]: (row["count"], row["suppressed"]) for row in table["rows"]} == {
        "maladministration": (None, True),
        "integrity": (None, True),
        "all": (8, False),
    }


async def test_no_published_file_holds_a_reference_a_contact_a_name_or_a_day(
    client: httpx.AsyncClient, filed: dict[str, Filed]
) -> None:
    files = await every_published_file(client)

    everything = "\n".join(files.values())
    submissions = [each.complaint.submission for each in filed.values()]
    # The patterns do find what the complaints carried, had any of it been published.
    assert all(REFERENCE.fullmatch(reference) for reference in filed)
    assert [bool(EMAIL.search(email) and PHONE.search(phone)) for _, email, phone in PEOPLE] == [
        True
    ] * len(PEOPLE)
    assert all(DAY.search(each.received_at.isoformat()) for each in filed.values())
    assert len(files) > 15
    assert REFERENCE.findall(everything) == []
    assert EMAIL.findall(everything) == []
    assert PHONE.findall(everything) == []
    assert DAY.findall(everything) == []
    for said in (
        *(person for people in PEOPLE for person in people),
        *(submission.description for submission in submissions),
        *(submission.respondent.name for submission in submissions),
        "Mustapha",
        "window",
        "Hay Hassani",
        "Équipement",
    ):
        assert said not in everything, said
