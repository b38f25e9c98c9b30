"""The directory through the API: institutions, and the mandates they keep as new versions."""

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from nowrongdoor import db
from nowrongdoor.contracts.events import ComplaintReceived
from nowrongdoor.contracts.routing import MandateRule
from routing import repository
from routing.domain import RuleSpec, load_seed_registry

Decide = Callable[..., Awaitable[dict[str, Any]]]
Headers = Callable[..., dict[str, str]]

SEED_VERSION = load_seed_registry().version
MANDATE = "/internal/institutions/ma-mediateur/mandate"


def mediateur_rule(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": "maladministration-public-bodies",
        "priority": 10,
        "categories": ["maladministration"],
        "respondent_types": [
            "national-administration",
            "regional-administration",
            "local-authority",
            "public-enterprise",
            "public-official",
        ],
        "territories": ["MA"],
        "complainant_roles": ["citizen", "public-official", "ngo"],
        "prerequisites": ["administration-contacted"],
        "exclusions": ["court-case-pending", "court-decision", "private-dispute"],
    }
    return rule | changes


def change(*rules: dict[str, Any], summary: str = "Test change") -> dict[str, Any]:
    return {"rules": list(rules), "summary": summary}


async def test_anyone_reads_a_mandate_with_its_version_and_entity_tag(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(MANDATE)

    assert response.status_code == 200
    mandate = response.json()
    assert mandate["institution_id"] == "ma-mediateur"
    assert mandate["registry_version"] == SEED_VERSION
    assert mandate["rules"] == [mediateur_rule()]
    assert response.headers["etag"].startswith('"')


async def test_an_institution_changes_its_own_mandate_as_a_new_version(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    mediateur = headers_for("institution", "ma-mediateur", "mandate:write")
    without_prerequisite = mediateur_rule(prerequisites=[])

    response = await client.put(
        MANDATE,
        json=change(without_prerequisite, summary="We now take complaints directly"),
        headers=mediateur,
    )

    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["changed"] is True
    assert saved["registry_version"] != SEED_VERSION
    assert saved["rules"] == [without_prerequisite]
    assert (await client.get(MANDATE)).json()["rules"] == [without_prerequisite]
    history = (
        await client.get("/internal/registry/versions", headers=headers_for("admin", None))
    ).json()
    assert [(v["number"], v["actor"], v["summary"], v["current"]) for v in history] == [
        (2, "nwdc_institution_ma-mediateur", "We now take complaints directly", True),
        (1, "seed", "The demo directory shipped with routing", False),
    ]
    assert history[0]["version"] == saved["registry_version"]


async def test_saving_the_same_rules_again_makes_no_new_version(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    response = await client.put(
        MANDATE,
        json=change(mediateur_rule()),
        headers=headers_for("institution", "ma-mediateur", "mandate:write"),
    )

    assert response.status_code == 200
    assert response.json()["changed"] is False
    assert response.json()["registry_version"] == SEED_VERSION


async def test_another_institutions_mandate_answers_like_an_unknown_one(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    cndh = headers_for("institution", "ma-cndh", "mandate:write")

    forbidden = await client.put(MANDATE, json=change(mediateur_rule()), headers=cndh)
    unknown = await client.put(
        "/internal/institutions/xx-nobody/mandate", json=change(mediateur_rule()), headers=cndh
    )
    public = await client.put(MANDATE, json=change(mediateur_rule()))

    assert forbidden.status_code == unknown.status_code == public.status_code == 404
    assert forbidden.json() == unknown.json() == public.json()
    assert (await client.get(MANDATE)).json()["registry_version"] == SEED_VERSION


async def test_an_institution_without_the_mandate_scope_is_refused(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    response = await client.put(
        MANDATE,
        json=change(mediateur_rule(prerequisites=[])),
        headers=headers_for("institution", "ma-mediateur", "cases:read", "cases:write"),
    )

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/insufficient-scope"
    assert (await client.get(MANDATE)).json()["registry_version"] == SEED_VERSION


async def test_an_administrator_changes_any_mandate(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    response = await client.put(
        MANDATE, json=change(mediateur_rule(priority=12)), headers=headers_for("admin", None)
    )

    assert response.status_code == 200
    assert response.json()["rules"][0]["priority"] == 12


async def test_a_rule_that_cannot_work_is_refused_naming_each_problem(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    response = await client.put(
        MANDATE,
        json=change(
            mediateur_rule(territories=["MA-99"]),
            mediateur_rule(id="nothing", categories=[], exclusions=["mondays"]),
            mediateur_rule(
                id="companies", respondent_types=["private-company"], territories=["MA"]
            ),
        ),
        headers=headers_for("institution", "ma-mediateur", "mandate:write"),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/invalid-mandate"
    errors = {(e["field"], e["message"]) for e in problem["errors"]}
    assert errors == {
        ("rules[0]", "rule 'maladministration-public-bodies': unknown territory 'MA-99'"),
        ("rules[1]", "rule 'nothing' lists no categories, so it can never match"),
        ("rules[1]", "rule 'nothing': unknown exclusion 'mondays'"),
        (
            "rules[2]",
            "rule 'companies': exclusion 'private-dispute' covers every respondent type it "
            "lists, so it can never match",
        ),
    }
    assert (await client.get(MANDATE)).json()["registry_version"] == SEED_VERSION


async def test_a_badly_shaped_rule_is_refused_field_by_field(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    response = await client.put(
        MANDATE,
        json=change(mediateur_rule(priority="high", categories=["parking"])),
        headers=headers_for("institution", "ma-mediateur", "mandate:write"),
    )

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"rules.0.priority", "rules.0.categories.0"}


async def test_a_change_based_on_a_stale_read_is_refused(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    mediateur = headers_for("institution", "ma-mediateur", "mandate:write")
    etag = (await client.get(MANDATE)).headers["etag"]
    first = await client.put(
        MANDATE, json=change(mediateur_rule(priority=11)), headers=mediateur | {"If-Match": etag}
    )

    second = await client.put(
        MANDATE, json=change(mediateur_rule(priority=9)), headers=mediateur | {"If-Match": etag}
    )

    assert first.status_code == 200
    assert second.status_code == 412
    assert (await client.get(MANDATE)).json()["rules"][0]["priority"] == 11


async def test_changes_by_two_institutions_at_once_both_survive(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    mandates = {
        institution: (await client.get(f"/internal/institutions/{institution}/mandate")).json()
        for institution in ("ma-cndh", "ma-cndp", "ma-inpplc")
    }

    def raised(institution: str) -> dict[str, Any]:
        rules = [rule | {"priority": 21} for rule in mandates[institution]["rules"]]
        return change(*rules, summary=f"{institution} raises its priority")

    responses = await asyncio.gather(
        *(
            client.put(
                f"/internal/institutions/{institution}/mandate",
                json=raised(institution),
                headers=headers_for("institution", institution, "mandate:write"),
            )
            for institution in mandates
        )
    )

    assert [r.status_code for r in responses] == [200, 200, 200]
    for institution in mandates:
        current = (await client.get(f"/internal/institutions/{institution}/mandate")).json()
        assert {rule["priority"] for rule in current["rules"]} == {21}
    history = (
        await client.get("/internal/registry/versions", headers=headers_for("admin", None))
    ).json()
    assert len(history) == 4


async def test_a_decision_after_a_change_records_the_new_version_and_the_old_one_keeps_its_own(
    client: httpx.AsyncClient,
    headers_for: Headers,
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
) -> None:
    not_contacted = received(administration_contacted=False)
    before = await decide_over_the_bus(not_contacted)
    saved = (
        await client.put(
            MANDATE,
            json=change(mediateur_rule(prerequisites=[])),
            headers=headers_for("institution", "ma-mediateur", "mandate:write"),
        )
    ).json()

    after = await decide_over_the_bus(administration_contacted=False)

    assert (before["outcome"], before["registry_version"]) == ("prerequisite-missing", SEED_VERSION)
    assert (after["outcome"], after["registry_version"]) == ("competent", saved["registry_version"])
    again = (await client.get(f"/internal/decisions/{not_contacted.reference}")).json()
    assert (again["outcome"], again["registry_version"]) == ("prerequisite-missing", SEED_VERSION)


async def test_the_directory_history_is_for_administrators(
    client: httpx.AsyncClient, headers_for: Headers
) -> None:
    institution = await client.get(
        "/internal/registry/versions",
        headers=headers_for("institution", "ma-mediateur", "mandate:write"),
    )

    assert institution.status_code == 403


def test_the_public_rule_shape_is_the_engines() -> None:
    assert set(MandateRule.model_fields) == set(RuleSpec.model_fields)
    for declared in load_seed_registry().to_dict()["institutions"]:
        for rule in declared["rules"]:
            assert MandateRule.model_validate(rule).model_dump() == rule


async def test_the_registry_is_listed_with_its_regional_offices(client: httpx.AsyncClient) -> None:
    institutions = (await client.get("/internal/institutions", params={"lang": "ar"})).json()

    by_id = {item["institution_id"]: item for item in institutions}
    assert len(by_id) == len(load_seed_registry().institutions) == 12
    mediateur = by_id["ma-mediateur"]
    assert mediateur["name"] == "مؤسسة وسيط المملكة"
    assert len(mediateur["offices"]) == 12
    assert {
        "ma-mediateur-casablanca-settat",
        "ma-mediateur-tanger-tetouan-al-hoceima",
        "ma-mediateur-marrakech-safi",
    } <= {o["office_id"] for o in mediateur["offices"]}
    assert sorted(t for o in by_id["ma-cndh"]["offices"] for t in o["territories"]) == [
        f"MA-{n:02d}" for n in range(1, 13)
    ]
    assert mediateur["service_standards"]["acknowledge_days"] > 0
    assert mediateur["categories"] == ["maladministration"]


async def test_the_anti_corruption_authority_is_found_under_its_former_name(
    client: httpx.AsyncClient,
) -> None:
    found = await client.get("/internal/institutions", params={"lang": "fr", "q": "ICPC"})
    accented = await client.get("/internal/institutions", params={"q": "médiateur du royaume"})
    nothing = await client.get("/internal/institutions", params={"q": "nobody"})
    empty = await client.get("/internal/institutions", params={"q": ""})

    assert found.status_code == 200
    [inpplc] = found.json()
    assert inpplc["institution_id"] == "ma-inpplc"
    assert inpplc["name"].startswith("Instance Nationale de la Probité")
    assert any("ICPC" in name for name in inpplc["former_names"])
    assert [i["institution_id"] for i in accented.json()] == ["ma-mediateur"]
    assert nothing.json() == []
    assert empty.status_code == 422


async def test_the_new_institutions_are_listed_in_their_language(
    client: httpx.AsyncClient,
) -> None:
    german = await client.get("/internal/institutions/be-ostbelgien", params={"lang": "de"})
    english = await client.get("/internal/institutions/fr-afa", params={"lang": "en"})

    assert "Deutschsprachigen" in german.json()["name"]
    assert german.json()["territory"] == "BE-DG"
    assert german.json()["categories"] == ["maladministration"]
    assert english.json()["name"] == "French Anti-Corruption Agency"
    assert english.json()["categories"] == ["corruption"]
    assert english.json()["offices"] == []


async def test_one_institution_is_answered_and_an_unknown_one_is_a_problem(
    client: httpx.AsyncClient,
) -> None:
    known = await client.get("/internal/institutions/fr-hatvp", params={"lang": "en"})
    unknown = await client.get("/internal/institutions/xx-nobody")

    assert known.json()["name"] == "High Authority for Transparency in Public Life"
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


DEAD_DATABASES = {
    "refused connection": "postgresql+asyncpg://routing@127.0.0.1:1/routing",
    "missing file": "sqlite+aiosqlite:///{tmp}/no-such-directory/routing.sqlite",
}


@pytest.mark.parametrize("url", DEAD_DATABASES.values(), ids=DEAD_DATABASES.keys())
async def test_a_change_while_the_database_is_down_answers_503_and_changes_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    headers_for: Headers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
) -> None:
    runtime = app.state.runtime
    dead = create_async_engine(url.format(tmp=tmp_path))
    reads: list[object] = []
    current_number = repository.current_number

    async def counted(session: Any) -> int | None:
        reads.append(session)
        return await current_number(session)

    monkeypatch.setattr(repository, "current_number", counted)
    monkeypatch.setattr(runtime, "sessions", db.session_maker(dead))
    try:
        response = await client.put(
            MANDATE,
            json=change(mediateur_rule(prerequisites=[])),
            headers=headers_for("institution", "ma-mediateur", "mandate:write"),
        )
    finally:
        monkeypatch.undo()
        await dead.dispose()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    assert response.json()["detail"].startswith(
        "Routing's database is not answering; nothing was changed."
    )
    assert len(reads) == 1, "an outage is not retried as if it were a race"
    assert (await client.get(MANDATE)).json()["rules"] == [mediateur_rule()]
    history = (
        await client.get("/internal/registry/versions", headers=headers_for("admin", None))
    ).json()
    assert [v["number"] for v in history] == [1]


async def test_every_route_needs_the_gateways_token(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service.test"
    ) as bare:
        response = await bare.get("/internal/guide")

    assert response.status_code == 401
