"""The whole network answers: every regional office, the German-speaking Community's ombudsman,
the AFA, and the INPPLC under its former name, through the public API and the guide, and each
receiving the complaints that are theirs as cases it can read."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from .conftest import Platform
from .test_complaint_to_case import complaint, file, follow_until
from .test_triage_decision import token


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
        filed("maladministration", "local-authority", "MA-07"),
        [("ma-mediateur", "lead", "ma-mediateur-marrakech-safi")],
        id="a commune in Marrakech-Safi: the Médiateur's Marrakech-Safi delegation",
    ),
    pytest.param(
        filed("human-rights", "public-official", "MA-11", language="ar"),
        [("ma-cndh", "lead", "ma-cndh-laayoune-sakia-el-hamra")],
        id="human rights in Laâyoune-Sakia El Hamra: that region's commission",
    ),
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
    asked = await gateway.post(
        "/v1/guide/answers", params={"lang": body["language"]}, json=guide_answers(body)
    )
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
