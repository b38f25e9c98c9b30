"""Complaints filed through the gateway show up in the published statistics once their month
has ended, counted from their facts alone: the large cell shown, the small ones withheld, and
nothing that points at anyone; and the month, once published, is never revised.

A month is published only once it has ended and a grace day after it has passed, so the shared
platform never shows this month's cases: it answers for this month as for one not yet
published. To see them published, a platform of this module's own runs case tracking 33 days
ahead (`NWD_CASE_TRACKING_CLOCK_OFFSET`, as for the deadline drills): complaints are received at
the real time, in this month, and case tracking already reads the month as ended and its grace
day past. Nothing else files there, so every cell is known, and every word a complaint carried
can be looked for in every file published.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.languages import LANGUAGES

from .conftest import OwnPlatform, Platform
from .test_complaint_to_case import complaint, file, follow_until

TABLE = "received-by-institution-and-territory-2"
INSTITUTION = "ma-mediateur"
# Region by region: how many complaints, all about a commune, all maladministration. The two
# small ones add up to 7, so each could be 5 or 6 and the large one need not cover them.
POPULATION = {"MA-09": 6, "MA-10": 3, "MA-11": 4}
LARGE, SMALL = "MA-09", ("MA-10", "MA-11")
DAY = re.compile(r"\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b")
# What looks like a way to find someone, whether or not it is one of this module's: a case
# reference (`NWD-` and 12 characters, however it is cut or cased), an email, a phone number
# written internationally or as a national number of ten digits.
LOOKS_LIKE = {
    "a reference": re.compile(r"\bNWD[-_ ]?(?:[0-9A-Z][-_ ]?){4,}", re.IGNORECASE),
    "an email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "a phone number": re.compile(
        r"(?<![\w+])(?:\+|00)[1-9](?:[ ().-]*[0-9]){7,14}(?![0-9])"
        r"|(?<![\w.,-])0[1-9](?:[ .-]?[0-9]{2}){4}(?![0-9])"
    ),
}


@dataclass
class Filed:
    """The complaints filed on the platform a month on, and the tag in each one's words."""

    tag: str
    complaints: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)

    def said(self) -> dict[str, str]:
        """Every word the complaints carried about someone, and what it was."""
        said = {self.tag: "the tag in every name and story"}
        for body, accepted in self.complaints:
            reference = accepted["reference"]
            person = body["complainant"]
            said |= {reference: "a reference", accepted["receipt"]: f"the receipt of {reference}"}
            said |= {
                body["description"]: f"the story told in {reference}",
                body["respondent"]["name"]: f"the body complained about in {reference}",
            }
            said |= {
                person[detail]: f"the complainant's {detail} in {reference}"
                for detail in ("name", "email", "phone")
                if person.get(detail)
            }
        return said


def pointers(text: str, said: dict[str, str]) -> list[tuple[str, str]]:
    """What in `text` looks like a way to find someone, and what of it a complaint said."""
    found = [
        (kind, match) for kind, pattern in LOOKS_LIKE.items() for match in pattern.findall(text)
    ]
    return found + [(what, words) for words, what in said.items() if words in text]


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


async def every_published_file(gateway: httpx.AsyncClient) -> dict[str, httpx.Response]:
    """Every file the statistics publish, by address: the index and every address it gives but
    the OpenAPI document's (its examples describe the API, not the figures), each month's
    tables and downloads, and the scoreboard in every language, for the latest month and each."""
    index = await gateway.get("/v1/statistics")
    assert index.status_code == 200, index.text
    links = {name: url for name, url in index.json()["links"].items() if name != "openapi"}
    months = index.json()["months"]
    addresses = [
        *links.values(),
        *(
            f"{links[table]}?month={month}"
            for month in months
            for table in ("cases", "timings", "promises")
        ),
        *(download["whole_month"] for download in index.json()["downloads"]),
        *(file["url"] for download in index.json()["downloads"] for file in download["files"]),
        *(f"/{language}/statistics" for language in LANGUAGES),
        *(f"/{language}/statistics?month={month}" for language in LANGUAGES for month in months),
    ]
    answers = await asyncio.gather(*(gateway.get(address) for address in addresses))
    files = {"/v1/statistics": index}
    for answer in answers:
        files[answer.request.url.raw_path.decode()] = answer
    return files


def routed(gateway: httpx.Client, accepted: dict[str, str]) -> bool:
    response = gateway.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["status"] == "routed")


@pytest.fixture(scope="module")
def platform_a_month_on(own_platform: OwnPlatform) -> Iterator[Platform]:
    # From any day of a month, 33 days on is past the end of the month, and its grace day: at
    # least the 3rd of the next month.
    with own_platform("month-on", extra_env={"NWD_CASE_TRACKING_CLOCK_OFFSET": "P33D"}) as started:
        yield started


@pytest.fixture
async def gateway_a_month_on(platform_a_month_on: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform_a_month_on.gateway, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def filed_a_month_on(platform_a_month_on: Platform) -> Filed:
    """The population's complaints, each with a complainant's name, email, phone and story,
    filed on the platform a month on; every case is open before the statistics are first read,
    since that reading publishes the month for good. A test filing more there adds them."""
    filed = Filed(tag=secrets.token_hex(4))
    with httpx.Client(base_url=platform_a_month_on.gateway, timeout=30) as gateway:
        for territory, how_many in POPULATION.items():
            for number in range(how_many):
                body = complaint(
                    description=f"Statisticstext{filed.tag}: the commune of {territory} lost my "
                    f"file number {number} twice.",
                    complainant={
                        "role": "citizen",
                        "anonymous": False,
                        "name": f"Statisticsname {filed.tag} {territory} {number}",
                        "email": f"stats.{filed.tag}.{territory.lower()}.{number}@example.org",
                        "phone": f"+212 6{secrets.randbelow(10**8):08d}",
                    },
                )
                body["respondent"] = {
                    "name": f"Commune {filed.tag} {territory}",
                    "type": "local-authority",
                    "territory": territory,
                }
                response = gateway.post("/v1/complaints", json=body)
                assert response.status_code == 201, response.text
                filed.complaints.append((body, response.json()))
        for _, accepted in filed.complaints:
            deadline = time.monotonic() + 90
            while not routed(gateway, accepted):
                assert time.monotonic() < deadline, f"{accepted['reference']} not routed in 90 s"
                time.sleep(0.2)
    return filed


async def test_the_running_month_is_not_published(gateway: httpx.AsyncClient) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    accepted = await file(gateway, complaint())
    await follow_until(gateway, accepted, "routed", timeout=90)

    answer = await gateway.get("/v1/statistics/cases", params={"month": month})

    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert month not in (await gateway.get("/v1/statistics")).json()["months"]


async def test_filed_complaints_are_published_counted_and_protected(
    gateway_a_month_on: httpx.AsyncClient, filed_a_month_on: Filed
) -> None:
    gateway = gateway_a_month_on
    month = datetime.now(UTC).strftime("%Y-%m")

    cells = await territory_cells(gateway, month)
    assert (cells[LARGE]["count"], cells[LARGE]["suppressed"]) == (POPULATION[LARGE], False)
    for territory in SMALL:
        assert (cells[territory]["count"], cells[territory]["suppressed"]) == (None, True)

    # One more complaint received in the month, heard after it was published: the month stays
    # as first published, so no two readings differ by one person's cells.
    late = complaint()
    late["respondent"] = {
        "name": f"Commune {filed_a_month_on.tag}",
        "type": "local-authority",
        "territory": LARGE,
    }
    accepted = await file(gateway, late)
    filed_a_month_on.complaints.append((late, accepted))
    await follow_until(gateway, accepted, "routed", timeout=90)
    assert await territory_cells(gateway, month) == cells

    files = await every_published_file(gateway)
    assert month in files["/v1/statistics"].json()["months"]
    assert {path: answer.status_code for path, answer in files.items()} == dict.fromkeys(files, 200)
    for path, answer in files.items():
        if "json" in answer.headers["content-type"]:
            assert small_counts(answer.json()) == [], path
    dated = {path: DAY.findall(answer.text) for path, answer in files.items()}
    assert {path: days for path, days in dated.items() if days} == {}


async def test_no_published_file_holds_a_reference_a_name_an_email_or_a_phone_number(
    gateway_a_month_on: httpx.AsyncClient, filed_a_month_on: Filed
) -> None:
    said = filed_a_month_on.said()
    # In the complaints as they were filed, the scan finds every kind of thing and every word.
    as_filed = json.dumps(filed_a_month_on.complaints, ensure_ascii=False)
    assert {kind for kind, _ in pointers(as_filed, {})} == set(LOOKS_LIKE)
    assert {words for _, words in pointers(as_filed, said)} >= set(said)

    files = await every_published_file(gateway_a_month_on)

    months = files["/v1/statistics"].json()["months"]
    assert datetime.now(UTC).strftime("%Y-%m") in months
    assert {path: answer.status_code for path, answer in files.items()} == dict.fromkeys(files, 200)
    for month in months:
        assert f"/v1/statistics/downloads/{month}.json" in files
        assert {f"/{language}/statistics?month={month}" for language in LANGUAGES} <= set(files)
    held = {path: pointers(html.unescape(answer.text), said) for path, answer in files.items()}
    assert not any(held.values()), "\n".join(
        f"{path} holds {what}: {words!r}" for path, found in held.items() for what, words in found
    )
