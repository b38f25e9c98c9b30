"""Accrediting an NGO through routing's internal API, for the tests that need one: the HATVP's
criteria, Sherpa's application, the institution's steps, and a clock the tests move."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
CRITERIA = "/internal/institutions/fr-hatvp/accreditation-criteria"
HATVP_CRITERIA = {
    "criteria": [
        {
            "id": "declared-since-5-years",
            "text": {
                "fr": "L'association est déclarée depuis au moins cinq ans.",
                "en": "The association has been registered for at least five years.",
            },
        },
        {
            "id": "anti-corruption-purpose",
            "text": {
                "fr": "Ses statuts visent la lutte contre la corruption.",
                "en": "Its statutes aim at fighting corruption.",
            },
        },
    ]
}
ANSWERS = [
    {"criterion_id": "declared-since-5-years", "answer": "Declared in 2001."},
    {"criterion_id": "anti-corruption-purpose", "answer": "Article 2 of our statutes."},
]
GRANT = {
    "scope": {"categories": ["integrity", "corruption"], "territories": ["FR"]},
    "expires_on": "2027-12-31",
}


class Clock:
    """The time routing reads, moved on by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


async def apply(
    client: httpx.AsyncClient, headers: dict[str, str], **changes: Any
) -> httpx.Response:
    body = {"institution_id": "fr-hatvp", "ngo_name": "Sherpa", "answers": ANSWERS} | changes
    return await client.post("/internal/accreditations", json=body, headers=headers)


async def applied(client: httpx.AsyncClient, ngo: dict[str, str]) -> str:
    response = await apply(client, ngo)
    assert response.status_code == 201, response.text
    accreditation_id: str = response.json()["id"]
    return accreditation_id


async def step(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    accreditation_id: str,
    action: str,
    body: dict[str, Any],
) -> httpx.Response:
    return await client.post(
        f"/internal/accreditations/{accreditation_id}/{action}", json=body, headers=headers
    )


async def granted(
    client: httpx.AsyncClient, institution: dict[str, str], ngo: dict[str, str]
) -> str:
    accreditation_id = await applied(client, ngo)
    response = await step(client, institution, accreditation_id, "grant", GRANT)
    assert response.status_code == 200, response.text
    return accreditation_id
