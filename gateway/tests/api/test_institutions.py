"""The directory and the mandates at the public edge, over a stand-in routing."""

from typing import Any

import httpx
from fastapi import FastAPI

from nowrongdoor.contracts.routing import MandateChange

from ..api_clients import access_token, bearer, register
from ..fakes import FakeServices
from ..fakes.routing import RULE

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
    [asked] = services.routing.calls
    assert (asked.operation, asked.caller.kind, asked.sent) == ("institutions", "public", "ar")


async def test_a_search_is_asked_of_routing_and_only_what_it_finds_is_listed(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.get("/v1/institutions", params={"lang": "fr", "q": "droits"})

    assert response.status_code == 200
    assert [i["institution_id"] for i in response.json()] == ["ma-cndh"]
    assert response.json()[0]["former_names"] == []
    [asked] = services.routing.calls
    assert (asked.operation, asked.sent) == ("institutions", ("fr", "droits"))


async def test_an_empty_or_overlong_search_is_refused_before_routing_is_asked(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    empty = await client.get("/v1/institutions", params={"q": ""})
    overlong = await client.get("/v1/institutions", params={"q": "x" * 201})

    assert (empty.status_code, overlong.status_code) == (422, 422)
    assert empty.headers["content-type"] == "application/problem+json"
    assert services.routing.calls == []


async def test_one_institution_is_read_in_the_language_asked(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.get("/v1/institutions/ma-cndh", params={"lang": "fr"})

    assert response.status_code == 200
    assert response.json()["name"] == "Conseil National des Droits de l'Homme"
    assert response.json()["service_standards"]["resolve_days"] == 90


async def test_an_unknown_institution_is_routings_problem_document(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    unknown = await client.get("/v1/institutions/xx-nobody")
    malformed = await client.get("/v1/institutions/NOT_AN_ID")

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "No institution with this id.",
    }
    assert malformed.status_code == 422
    assert [call.sent for call in services.routing.calls] == ["xx-nobody"]


async def test_a_mandate_is_read_with_its_entity_tag(client: httpx.AsyncClient) -> None:
    response = await client.get(MANDATE)

    assert response.status_code == 200
    assert response.json()["rules"] == [RULE]
    assert response.headers["etag"] == '"v1"'
    assert response.headers["cache-control"] == "no-cache"


async def test_an_institution_changes_its_mandate_with_its_own_identity(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    headers = await token(app, client, "institution", "ma-mediateur", "mandate:write")

    response = await client.put(
        MANDATE, json=change(priority=12), headers=headers | {"If-Match": '"v1"'}
    )

    assert response.status_code == 200, response.text
    assert response.json()["changed"] is True
    assert response.json()["rules"][0]["priority"] == 12
    assert response.headers["etag"] == '"v2"'
    assert response.headers["cache-control"] == "no-store"
    [asked] = services.routing.calls
    assert (asked.operation, asked.caller.kind, asked.caller.institution_id) == (
        "change_mandate",
        "institution",
        "ma-mediateur",
    )
    assert "mandate:write" in asked.caller.scopes
    assert asked.sent == MandateChange.model_validate(change(priority=12))


async def test_a_change_based_on_an_old_entity_tag_is_refused_as_routing_refuses_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = await token(app, client, "institution", "ma-mediateur", "mandate:write")
    await client.put(MANDATE, json=change(priority=12), headers=headers | {"If-Match": '"v1"'})

    stale = await client.put(
        MANDATE, json=change(priority=14), headers=headers | {"If-Match": '"v1"'}
    )

    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    assert stale.json()["title"] == "Precondition failed"
    assert (await client.get(MANDATE)).json()["rules"][0]["priority"] == 12


async def test_changing_a_mandate_needs_a_token(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.put(MANDATE, json=change())

    assert response.status_code == 401
    assert "www-authenticate" in response.headers
    assert services.calls == []


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
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    headers = await token(app, client, "admin", None, "clients:admin")

    unusable = await client.put(MANDATE, json=change(territories=["XX", "MA-06"]), headers=headers)
    malformed = await client.put(
        MANDATE, json=change(priority="high", categories=["parking"]), headers=headers
    )

    assert unusable.status_code == 422
    assert unusable.json()["type"] == "/problems/invalid-mandate"
    assert unusable.json()["title"] == "Invalid mandate"
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
    assert len(services.routing.calls) == 1
    assert services.routing.calls[0].caller.kind == "admin"


async def test_routing_down_is_a_clear_503(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("routing")

    response = await client.get("/v1/institutions")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "nothing was changed" in response.json()["detail"]


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
