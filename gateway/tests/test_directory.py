"""The directory, mandates, the guide and triage at the public edge, over a stand-in routing."""

from typing import Any

import httpx
from fastapi import FastAPI

from .api_clients import access_token, bearer, register
from .fake_routing import RULE
from .fakes import FakeServices

MANDATE = "/v1/institutions/ma-mediateur/mandate"


def change(**rule: Any) -> dict[str, Any]:
    return {"rules": [RULE | rule], "summary": "Public enterprises too"}


async def token(
    app: FastAPI, client: httpx.AsyncClient, kind: str, institution: str | None, *scopes: str
) -> dict[str, str]:
    registered = await register(app, kind=kind, institution=institution, scopes=scopes)
    return bearer(await access_token(client, registered))


async def test_anyone_lists_the_institutions_in_their_language(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.get("/v1/institutions", params={"lang": "ar"})

    assert response.status_code == 200
    assert response.json()[0]["name"] == "مؤسسة وسيط المملكة"
    assert response.headers["cache-control"].startswith("public")
    assert services.routing.calls[-1][2]["kind"] == "public"


async def test_an_unknown_institution_is_a_problem_document(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/v1/institutions/xx-nobody")
    malformed = await client.get("/v1/institutions/NOT_AN_ID")

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["detail"] == "No institution with this id."
    assert malformed.status_code == 422


async def test_a_mandate_is_read_with_its_entity_tag(client: httpx.AsyncClient) -> None:
    response = await client.get(MANDATE)

    assert response.status_code == 200
    assert response.json()["rules"] == [RULE]
    assert response.headers["etag"] == '"v1"'


async def test_an_institution_changes_its_mandate_with_its_own_identity(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    headers = await token(app, client, "institution", "ma-mediateur", "mandate:write")

    response = await client.put(
        MANDATE, json=change(priority=12), headers=headers | {"If-Match": '"v1"'}
    )

    assert response.status_code == 200, response.text
    assert response.json()["changed"] is True
    assert response.headers["etag"] == '"v2"'
    method, _path, claims = services.routing.calls[-1]
    assert (method, claims["kind"], claims["institution"]) == ("PUT", "institution", "ma-mediateur")
    assert services.routing.bodies[-1]["rules"][0]["priority"] == 12


async def test_changing_a_mandate_needs_a_token(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.put(MANDATE, json=change())

    assert response.status_code == 401
    assert "www-authenticate" in response.headers
    assert services.routing.calls == []


async def test_another_institutions_mandate_is_not_found_and_a_missing_scope_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    other = await token(app, client, "institution", "ma-cndh", "mandate:write")
    unscoped = await token(app, client, "institution", "ma-mediateur", "cases:read")

    forbidden = await client.put(MANDATE, json=change(), headers=other)
    unknown = await client.put("/v1/institutions/xx-nobody/mandate", json=change(), headers=other)
    no_scope = await client.put(MANDATE, json=change(), headers=unscoped)

    assert forbidden.status_code == unknown.status_code == 404
    assert forbidden.json() == unknown.json()
    assert no_scope.status_code == 403
    assert no_scope.json()["type"] == "/problems/insufficient-scope"


async def test_each_problem_of_an_unusable_mandate_reaches_the_caller(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = await token(app, client, "admin", None, "clients:admin")

    unusable = await client.put(MANDATE, json=change(territories=["XX", "MA-06"]), headers=headers)
    malformed = await client.put(
        MANDATE, json=change(priority="high", categories=["parking"]), headers=headers
    )

    assert unusable.status_code == 422
    assert unusable.json()["type"] == "/problems/invalid-mandate"
    assert unusable.json()["errors"] == [
        {
            "field": "rules[0]",
            "message": "rule 'maladministration-public-bodies': unknown territory 'XX'",
        }
    ]
    assert malformed.status_code == 422
    assert {e["field"] for e in malformed.json()["errors"]} == {
        "rules.0.priority",
        "rules.0.categories.0",
    }


async def test_the_guide_is_asked_and_answered_without_a_token(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    answers = {
        "category": "maladministration",
        "respondent_type": "local-authority",
        "territory": "MA-06",
        "complainant_role": "citizen",
        "administration_contacted": True,
        "court_case_pending": False,
    }

    questions = await client.get("/v1/guide", params={"lang": "fr"})
    answered = await client.post("/v1/guide/answers", params={"lang": "fr"}, json=answers)

    assert questions.json()["questions"][0]["text"] == "Contre qui porte votre plainte ?"
    assert answered.status_code == 200
    assert answered.json()["institutions"][0]["name"] == "Institution du Médiateur du Royaume"
    assert answered.headers["cache-control"] == "no-store"
    assert services.routing.bodies[-1] == answers | {"anonymous": False, "received_by": None}


async def test_bad_guide_answers_are_named_and_never_forwarded(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.post(
        "/v1/guide/answers",
        params={"lang": "de"},
        json={"category": "gossip", "territory": "Casablanca"},
    )

    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"lang", "category", "territory", "respondent_type"} <= fields
    assert services.routing.calls == []


async def test_the_triage_desk_decides_and_no_one_else(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference = "NWD-7K3M9QX2VD4H"
    services.routing.triage_desks[reference] = "ma-mediateur"
    choice = {"lead_institution_id": "ma-cndh", "reason": "A question of human rights."}
    desk = await token(app, client, "institution", "ma-mediateur", "cases:write")
    other = await token(app, client, "institution", "ma-cndh", "cases:write")

    anonymous = await client.post(f"/v1/triage/{reference}/decision", json=choice)
    elsewhere = await client.post(f"/v1/triage/{reference}/decision", json=choice, headers=other)
    decided = await client.post(f"/v1/triage/{reference}/decision", json=choice, headers=desk)
    again = await client.post(f"/v1/triage/{reference}/decision", json=choice, headers=desk)

    assert anonymous.status_code == 401
    assert elsewhere.status_code == 404
    assert decided.status_code == 200
    assert decided.json()["institutions"][0]["institution_id"] == "ma-cndh"
    assert again.status_code == 409


async def test_routing_down_is_a_clear_503(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("routing")

    response = await client.get("/v1/guide")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_every_directory_endpoint_is_documented_with_its_problems(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    for path, method, statuses in [
        ("/v1/institutions", "get", {"200", "503"}),
        ("/v1/institutions/{institution_id}", "get", {"200", "404"}),
        ("/v1/institutions/{institution_id}/mandate", "get", {"200", "404"}),
        ("/v1/institutions/{institution_id}/mandate", "put", {"401", "403", "404", "412", "422"}),
        ("/v1/guide", "get", {"200", "422"}),
        ("/v1/guide/answers", "post", {"200", "422"}),
        ("/v1/triage/{reference}/decision", "post", {"401", "403", "404", "409", "422"}),
        ("/v1/triage/proposals", "get", {"401", "403"}),
    ]:
        operation = paths[path][method]
        assert statuses <= set(operation["responses"]), (path, method)
        assert operation["summary"] and operation["description"], (path, method)
    mandate_change = paths["/v1/institutions/{institution_id}/mandate"]["put"]
    assert mandate_change["responses"]["422"]["content"]["application/problem+json"]["example"]
