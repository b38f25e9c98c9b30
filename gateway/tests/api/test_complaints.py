"""Filing a complaint through any door: the citizen's, an institution's counter, an NGO's."""

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.contracts.intake import ComplaintSubmission

from ..api_clients import Registered, access_token, bearer, register
from ..fakes import FakeServices, complaint


@pytest.fixture
async def institution(app: FastAPI, client: httpx.AsyncClient) -> Registered:
    return await register(app, institution="ma-mediateur")


async def test_a_complaint_is_filed_and_answered_with_reference_and_receipt(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.post("/v1/complaints", json=complaint())

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    accepted = response.json()
    filed = services.submissions[accepted["reference"]]
    assert accepted == {"reference": accepted["reference"], "receipt": filed.receipt}
    assert filed.complaint.channel == "api"
    assert filed.complaint.submission == ComplaintSubmission.model_validate(complaint())


async def test_each_bad_field_is_named_and_nothing_is_forwarded(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    body = complaint(category="gossip", unexpected="x")
    del body["language"]

    response = await client.post("/v1/complaints", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert {e["field"] for e in problem["errors"]} == {"category", "language", "unexpected"}
    assert services.calls == []


async def test_a_body_that_is_not_json_is_a_clear_problem(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.post(
        "/v1/complaints", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "The body is not valid JSON"}]
    assert services.calls == []


@pytest.mark.parametrize("door", ["ma-mediateur", "xx-nobody"])
async def test_the_receiving_institution_is_handed_to_intake_unchanged(
    client: httpx.AsyncClient, services: FakeServices, door: str
) -> None:
    # Routing treats a door outside the network as no door at all; the gateway does not ask.
    response = await client.post("/v1/complaints", json=complaint(received_by=door))

    assert response.status_code == 201
    filed = services.submissions[response.json()["reference"]]
    assert filed.complaint.submission.received_by == door
    assert filed.complaint.channel == "api"
    assert [call.operation for call in services.calls] == ["submit"]


async def test_a_citizen_needs_no_token(client: httpx.AsyncClient, services: FakeServices) -> None:
    response = await client.post("/v1/complaints", json=complaint())

    assert response.status_code == 201
    filed = services.submissions[response.json()["reference"]]
    assert filed.complaint.channel == "api"
    assert (filed.caller.kind, filed.caller.client_id) == ("public", "public")


async def test_an_institution_files_what_its_counter_received(
    client: httpx.AsyncClient, services: FakeServices, institution: Registered
) -> None:
    token = await access_token(client, institution)

    response = await client.post("/v1/complaints", json=complaint(), headers=bearer(token))

    assert response.status_code == 201
    filed = services.submissions[response.json()["reference"]]
    assert filed.complaint.channel == "counter"
    assert filed.complaint.submission.received_by == "ma-mediateur"
    assert filed.caller.kind == "institution"
    assert filed.caller.client_id == institution.client_id
    assert filed.caller.institution_id == "ma-mediateur"


async def test_an_institution_may_name_its_own_door(
    client: httpx.AsyncClient, services: FakeServices, institution: Registered
) -> None:
    token = await access_token(client, institution)

    response = await client.post(
        "/v1/complaints", json=complaint(received_by="ma-mediateur"), headers=bearer(token)
    )

    assert response.status_code == 201
    filed = services.submissions[response.json()["reference"]]
    assert filed.complaint.submission.received_by == "ma-mediateur"


async def test_an_institution_cannot_file_at_another_institutions_door(
    client: httpx.AsyncClient, services: FakeServices, institution: Registered
) -> None:
    token = await access_token(client, institution)

    response = await client.post(
        "/v1/complaints", json=complaint(received_by="ma-cndh"), headers=bearer(token)
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert services.calls == []


async def test_an_ngo_files_through_its_own_channel(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    ngo = await register(
        app, kind="ngo", institution="transparency-maroc", scopes=("complaints:write",)
    )
    token = await access_token(client, ngo)

    response = await client.post("/v1/complaints", json=complaint(), headers=bearer(token))

    assert response.status_code == 201
    filed = services.submissions[response.json()["reference"]]
    assert filed.complaint.channel == "ngo"
    assert filed.complaint.submission.received_by is None
    assert (filed.caller.kind, filed.caller.client_id) == ("ngo", ngo.client_id)


async def test_a_token_without_the_scope_is_refused_with_403(
    app: FastAPI, client: httpx.AsyncClient, services: FakeServices
) -> None:
    reader = await register(app, scopes=("cases:read",))
    token = await access_token(client, reader)

    response = await client.post("/v1/complaints", json=complaint(), headers=bearer(token))

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/insufficient-scope"
    assert response.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
    assert services.calls == []


async def test_a_token_narrowed_away_from_the_scope_is_refused(
    client: httpx.AsyncClient, services: FakeServices, institution: Registered
) -> None:
    token = await access_token(client, institution, scope="cases:read")

    response = await client.post("/v1/complaints", json=complaint(), headers=bearer(token))

    assert response.status_code == 403
    assert services.calls == []


async def test_intake_down_gives_503_and_loses_nothing(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("intake")

    response = await client.post("/v1/complaints", json=complaint())

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert "nothing was changed" in response.json()["detail"]
    assert services.submissions == {}
