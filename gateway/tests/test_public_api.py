import httpx

from .fakes import FakeServices, complaint


async def test_a_complaint_is_filed_and_answered_with_reference_and_receipt(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.post("/v1/complaints", json=complaint())

    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    reference = response.json()["reference"]
    assert services.submissions[reference][1]["channel"] == "api"


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
    assert services.submissions == {}


async def test_a_body_that_is_not_json_is_a_clear_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/complaints", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "body", "message": "The body is not valid JSON"}]


async def test_an_unknown_receiving_institution_is_refused(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    response = await client.post("/v1/complaints", json=complaint(received_by="xx-nobody"))

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "received_by"
    assert services.submissions == {}


async def test_a_known_receiving_institution_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/complaints", json=complaint(received_by="ma-mediateur"))

    assert response.status_code == 201


async def test_a_case_opens_with_reference_and_receipt(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    accepted = (await client.post("/v1/complaints", json=complaint())).json()
    services.cases[accepted["reference"]] = {
        "reference": accepted["reference"],
        "status": "routed",
        "institutions": [{"institution_id": "ma-mediateur", "name": "Médiateur", "role": "lead"}],
        "timeline": [],
    }

    response = await client.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )

    assert response.status_code == 200
    assert response.json()["institutions"][0]["institution_id"] == "ma-mediateur"
    assert response.headers["cache-control"] == "no-store"


async def test_a_case_not_yet_routed_shows_as_received(client: httpx.AsyncClient) -> None:
    accepted = (await client.post("/v1/complaints", json=complaint())).json()

    response = await client.get(
        f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": accepted["receipt"]}
    )

    assert response.json()["status"] == "received"
    assert response.json()["institutions"] == []


async def test_wrong_receipt_unknown_reference_and_missing_receipt_look_the_same(
    client: httpx.AsyncClient,
) -> None:
    accepted = (await client.post("/v1/complaints", json=complaint())).json()
    wrong = "0000000000000000" if accepted["receipt"] != "0000000000000000" else "1" * 16

    answers = [
        await client.get(f"/v1/cases/{accepted['reference']}", headers={"X-Receipt": wrong}),
        await client.get("/v1/cases/NWD-0000000000AA", headers={"X-Receipt": accepted["receipt"]}),
        await client.get(f"/v1/cases/{accepted['reference']}"),
        await client.get("/v1/cases/not-a-reference", headers={"X-Receipt": "x"}),
    ]

    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1


async def test_a_service_that_is_down_gives_503_and_loses_nothing(
    client: httpx.AsyncClient, services: FakeServices
) -> None:
    services.down.add("intake")

    response = await client.post("/v1/complaints", json=complaint())

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "nothing was changed" in response.json()["detail"]


async def test_readiness_reports_redis_and_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"redis": "ok", "database": "ok"}


async def test_the_openapi_document_describes_the_public_api(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert document["openapi"].startswith("3.1")
    assert {"/v1/complaints", "/v1/cases/{reference}"} <= set(document["paths"])
    assert "422" in document["paths"]["/v1/complaints"]["post"]["responses"]
