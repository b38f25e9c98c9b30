"""Triage at the public edge: only the desk decides, and its decisions become proposed rules."""

import httpx
from fastapi import FastAPI

from ..api_clients import access_token, bearer, register
from ..fakes import FakeServices
from .cases.parties import held

REFERENCE = "NWD-7K3M9QX2VD4H"
DECISION = f"/v1/triage/{REFERENCE}/decision"
CHOICE = {"lead_institution_id": "ma-cndh", "reason": "A question of human rights."}


async def token(
    app: FastAPI, client: httpx.AsyncClient, kind: str, institution: str | None, *scopes: str
) -> dict[str, str]:
    registered = await register(app, kind=kind, institution=institution, scopes=scopes)
    return bearer(await access_token(client, registered))


async def test_the_triage_desk_decides_and_no_one_else(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.routing.triage_desks[REFERENCE] = "ma-mediateur"
    desk = await token(app, client, "institution", "ma-mediateur", "cases:write")
    other = await token(app, client, "institution", "ma-cndh", "cases:write")
    unscoped = await token(app, client, "institution", "ma-mediateur", "cases:read")
    ngo = await token(app, client, "ngo", "sherpa", "complaints:write")

    anonymous = await client.post(DECISION, json=CHOICE)
    as_ngo = await client.post(DECISION, json=CHOICE, headers=ngo)
    elsewhere = await client.post(DECISION, json=CHOICE, headers=other)
    no_scope = await client.post(DECISION, json=CHOICE, headers=unscoped)
    decided = await client.post(DECISION, json=CHOICE, headers=desk)
    again = await client.post(DECISION, json=CHOICE, headers=desk)

    assert anonymous.status_code == 401
    assert as_ngo.status_code == 403
    assert elsewhere.status_code == 404
    assert no_scope.status_code == 403
    assert no_scope.json()["type"] == "/problems/insufficient-scope"
    assert decided.status_code == 200
    assert decided.json()["institutions"][0]["institution_id"] == "ma-cndh"
    assert again.status_code == 409
    assert again.json()["detail"] == "This complaint has already been decided."
    deciders = [call.caller.institution_id for call in services.routing.calls]
    assert deciders == ["ma-cndh", "ma-mediateur", "ma-mediateur", "ma-mediateur"]


async def test_an_institution_that_cannot_take_the_case_is_named(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.routing.triage_desks[REFERENCE] = "ma-mediateur"
    desk = await token(app, client, "institution", "ma-mediateur", "cases:write")

    response = await client.post(
        DECISION, json=CHOICE | {"lead_institution_id": "xx-nobody"}, headers=desk
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lead_institution_id"
    assert services.routing.proposals == []


async def test_proposals_are_listed_for_institutions_and_administrators(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.routing.triage_desks[REFERENCE] = "ma-mediateur"
    desk = await token(app, client, "institution", "ma-mediateur", "cases:write")
    chosen = await token(app, client, "institution", "ma-cndh", "mandate:write")
    admin = await token(app, client, "admin", None, "clients:admin")
    await client.post(DECISION, json=CHOICE, headers=desk)

    for_chosen = await client.get("/v1/triage/proposals", headers=chosen)
    for_desk = await client.get("/v1/triage/proposals", headers=desk)
    for_admin = await client.get("/v1/triage/proposals", headers=admin)
    anonymous = await client.get("/v1/triage/proposals")

    assert for_chosen.status_code == 200
    assert for_chosen.headers["cache-control"] == "no-store"
    assert [p["reference"] for p in for_chosen.json()] == [REFERENCE]
    assert for_desk.json() == []
    assert for_admin.json() == for_chosen.json()
    assert anonymous.status_code == 401


async def test_the_desk_lists_what_waits_for_its_decision_a_page_at_a_time(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    waiting = [held(services)[0] for _ in range(3)]
    for reference in waiting:
        services.cases.waiting_for_triage(reference, "ma-mediateur")
    services.cases.waiting_for_triage(held(services)[0], "ma-cndh")
    desk = await token(app, client, "institution", "ma-mediateur", "cases:read")

    first = await client.get("/v1/triage/cases", params={"limit": 2}, headers=desk)
    rest = await client.get(
        "/v1/triage/cases",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=desk,
    )
    forged = await client.get("/v1/triage/cases", params={"cursor": "forged"}, headers=desk)

    assert first.status_code == rest.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    listed = [item["reference"] for item in first.json()["items"] + rest.json()["items"]]
    assert sorted(listed) == sorted(waiting)
    assert rest.json()["next_cursor"] is None
    assert forged.status_code == 422
    asked = services.cases.calls[0]
    assert (asked.operation, asked.caller.institution_id, asked.sent) == (
        "triage_queue",
        "ma-mediateur",
        "ma-mediateur",
    )


async def test_the_queue_is_for_institutions_with_cases_read_and_shows_only_their_own(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reference = held(services)[0]
    services.cases.waiting_for_triage(reference, "ma-mediateur")
    other = await token(app, client, "institution", "ma-cndh", "cases:read")
    unscoped = await token(app, client, "institution", "ma-mediateur", "cases:write")
    ngo = await token(app, client, "ngo", "sherpa", "cases:read")

    elsewhere = await client.get("/v1/triage/cases", headers=other)
    anonymous = await client.get("/v1/triage/cases")
    no_scope = await client.get("/v1/triage/cases", headers=unscoped)
    as_ngo = await client.get("/v1/triage/cases", headers=ngo)

    assert elsewhere.status_code == 200
    assert elsewhere.json() == {"items": [], "next_cursor": None}
    assert anonymous.status_code == 401
    assert no_scope.status_code == as_ngo.status_code == 403
    assert [call.caller.institution_id for call in services.cases.calls] == ["ma-cndh"]


async def test_the_queue_with_case_tracking_down_is_a_503(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    desk = await token(app, client, "institution", "ma-mediateur", "cases:read")
    services.down.add("case-tracking")

    response = await client.get("/v1/triage/cases", headers=desk)

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"


async def test_the_queue_is_documented(client: httpx.AsyncClient) -> None:
    operation = (await client.get("/openapi.json")).json()["paths"]["/v1/triage/cases"]["get"]

    assert {"200", "401", "403", "422", "503"} <= set(operation["responses"])
    assert {"limit", "cursor"} <= {p["name"] for p in operation["parameters"]}
