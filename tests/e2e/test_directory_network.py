"""The whole network answers: every regional office, the German-speaking Community's ombudsman,
the AFA, and the INPPLC under its former name, through the public API and the guide, and each
receiving the complaints that are theirs as cases it can read.

Every delegation of the Médiateur and every commission of the CNDH is reached, by the guide and
by a filed complaint, from each region it serves: the office expected for a region is read from
the seed directory the platform routes by, not written out here.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable
from importlib import resources
from typing import Any, Final, TypeVar

import httpx
import pytest

from .conftest import Platform
from .test_complaint_to_case import complaint, file, follow_until
from .test_triage_decision import token

K = TypeVar("K")
T = TypeVar("T")

DIRECTORY: Final = json.loads(
    resources.files("routing").joinpath("directory.json").read_text(encoding="utf-8")
)
"""The seed directory the platform's routing starts from."""
REGIONAL_NETWORKS: Final = {
    "ma-mediateur": ("maladministration", "local-authority", "fr"),
    "ma-cndh": ("human-rights", "public-official", "ar"),
}
"""Each institution with an office per region, and a complaint's facts that are its own:
category, respondent type and language."""


def filed(
    category: str, respondent_type: str, territory: str, *, role: str = "citizen", **more: Any
) -> dict[str, Any]:
    return complaint(
        category=category,
        respondent={
            "name": "The body complained about",
            "type": respondent_type,
            "territory": territory,
        },
        complainant={"role": role, "anonymous": True},
        **more,
    )


async def ask_the_guide(gateway: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await gateway.post(
        "/v1/guide/answers", params={"lang": body["language"]}, json=guide_answers(body)
    )


def guide_answers(body: dict[str, Any]) -> dict[str, Any]:
    """The answers a person gives the guide for the same facts as this complaint."""
    return {
        "category": body["category"],
        "respondent_type": body["respondent"]["type"],
        "territory": body["respondent"]["territory"],
        "complainant_role": body["complainant"]["role"],
        "administration_contacted": body["administration_contacted"],
        "court_case_pending": body["court_case_pending"],
    }


SITUATIONS = [
    pytest.param(
        filed("maladministration", "regional-administration", "BE-DG", language="de"),
        [("be-ostbelgien", "lead", None)],
        id="a German-speaking Community administration: the Community's ombudsman",
    ),
    pytest.param(
        filed("corruption", "private-company", "FR-IDF", role="ngo"),
        [("fr-afa", "lead", None)],
        id="an association reports corruption in a French company: the AFA",
    ),
    pytest.param(
        filed("corruption", "public-enterprise", "FR-ARA", role="public-official"),
        [("fr-afa", "lead", None), ("fr-ddd", "associated", None)],
        id="a public official blows the whistle: the AFA, with the Defender of Rights",
    ),
]


def parts(institutions: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(i["institution_id"], i["role"], i.get("office_id")) for i in institutions]


@pytest.mark.parametrize(("body", "expected"), SITUATIONS)
async def test_the_guide_and_a_filed_complaint_end_at_the_new_institutions_and_offices(
    platform: Platform,
    gateway: httpx.AsyncClient,
    body: dict[str, Any],
    expected: list[tuple[str, str, str | None]],
) -> None:
    asked = await ask_the_guide(gateway, body)
    accepted = await file(gateway, body)
    case = await follow_until(gateway, accepted, "routed", timeout=45)

    assert asked.status_code == 200, asked.text
    assert parts(asked.json()["institutions"]) == expected
    assert parts(case["institutions"]) == expected
    lead = expected[0][0]
    own = await token(gateway, *platform.create_client("institution", lead, "cases:read"))
    seen = await gateway.get(f"/v1/cases/{accepted['reference']}", headers=own)
    assert seen.status_code == 200, seen.text
    assert seen.json()["institutions"][0]["institution_id"] == lead


def regional_offices(institution: str) -> dict[str, str]:
    """The office the seed directory gives each territory the institution's offices serve."""
    [entry] = [each for each in DIRECTORY["institutions"] if each["id"] == institution]
    return {
        territory: office["id"]
        for office in entry["offices"]
        for territory in office["territories"]
    }


async def at_once(calls: dict[K, Awaitable[T]]) -> dict[K, T]:
    """Every call awaited together, each answer under its call's key."""
    answers = await asyncio.gather(*calls.values())
    return dict(zip(calls, answers, strict=True))


async def test_every_regional_office_is_reached_by_the_guide_and_by_a_filed_complaint(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    regions = sorted(t["code"] for t in DIRECTORY["territories"] if t["parent"] == "MA")
    for institution in REGIONAL_NETWORKS:
        assert sorted(regional_offices(institution)) == regions, institution
    situations = {
        (institution, territory): filed(category, respondent_type, territory, language=language)
        for institution, (category, respondent_type, language) in REGIONAL_NETWORKS.items()
        for territory in regional_offices(institution)
    }
    expected = {
        (institution, territory): [(institution, "lead", office)]
        for institution in REGIONAL_NETWORKS
        for territory, office in regional_offices(institution).items()
    }

    # Every complaint is filed before any is followed; then all are followed at once.
    accepted = await at_once({key: file(gateway, body) for key, body in situations.items()})
    asked, cases = await asyncio.gather(
        at_once({key: ask_the_guide(gateway, body) for key, body in situations.items()}),
        at_once(
            {key: follow_until(gateway, a, "routed", timeout=90) for key, a in accepted.items()}
        ),
    )

    assert {key: answer.status_code for key, answer in asked.items()} == dict.fromkeys(
        situations, 200
    )
    assert {key: parts(answer.json()["institutions"]) for key, answer in asked.items()} == expected
    assert {key: parts(case["institutions"]) for key, case in cases.items()} == expected
    for institution in REGIONAL_NETWORKS:
        own = await token(
            gateway, *platform.create_client("institution", institution, "cases:read")
        )
        seen = await at_once(
            {
                key: gateway.get(f"/v1/cases/{receipt['reference']}", headers=own)
                for key, receipt in accepted.items()
                if key[0] == institution
            }
        )
        assert {key: answer.status_code for key, answer in seen.items()} == dict.fromkeys(seen, 200)
        assert {key: parts(answer.json()["institutions"]) for key, answer in seen.items()} == {
            key: expected[key] for key in seen
        }


async def test_a_walloon_administration_outside_the_community_stays_with_the_walloon_ombudsman(
    gateway: httpx.AsyncClient,
) -> None:
    accepted = await file(gateway, filed("maladministration", "regional-administration", "BE-WAL"))

    case = await follow_until(gateway, accepted, "routed", timeout=45)

    assert parts(case["institutions"]) == [("be-wallonie", "lead", None)]


async def test_the_anti_corruption_authority_is_found_under_its_former_name(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/v1/institutions", params={"q": "ICPC", "lang": "fr"})

    assert response.status_code == 200, response.text
    assert [i["institution_id"] for i in response.json()] == ["ma-inpplc"]
    assert any("ICPC" in name for name in response.json()[0]["former_names"])


async def test_every_moroccan_region_has_a_delegation_and_a_commission_in_the_directory(
    gateway: httpx.AsyncClient,
) -> None:
    listed = (await gateway.get("/v1/institutions", params={"lang": "ar"})).json()
    by_id = {i["institution_id"]: i for i in listed}
    regions = [f"MA-{n:02d}" for n in range(1, 13)]

    for institution in ("ma-mediateur", "ma-cndh"):
        served = sorted(t for o in by_id[institution]["offices"] for t in o["territories"])
        assert served == regions, institution
        assert all(re.search(r"[\u0600-\u06FF]", o["name"]) for o in by_id[institution]["offices"])
    assert {"be-ostbelgien", "fr-afa"} <= set(by_id)


@pytest.mark.parametrize(
    ("language", "words"),
    [("de", "deutschsprachig"), ("fr", "germanophone"), ("en", "german-speaking")],
)
async def test_the_new_institutions_are_named_in_each_language(
    gateway: httpx.AsyncClient, language: str, words: str
) -> None:
    listed = (await gateway.get("/v1/institutions", params={"lang": language})).json()
    names = {i["institution_id"]: i["name"] for i in listed}

    assert words in names["be-ostbelgien"].casefold()
    assert "anticorruption" in re.sub(r"[\s-]", "", names["fr-afa"]).casefold()
