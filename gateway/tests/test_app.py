"""The gateway as a whole: readiness, the OpenAPI document, methods a path does not serve."""

import httpx
import pytest

from .fakes import FakeServices


async def test_readiness_reports_redis_and_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"redis": "ok", "database": "ok"}


async def test_the_openapi_document_describes_the_public_api(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert document["openapi"].startswith("3.1")
    assert {"/v1/complaints", "/v1/cases/{reference}"} <= set(document["paths"])
    assert "422" in document["paths"]["/v1/complaints"]["post"]["responses"]


@pytest.mark.parametrize("method", ["OPTIONS", "PUT", "PATCH"])
async def test_a_method_a_path_does_not_serve_is_405_naming_every_method_it_does(
    client: httpx.AsyncClient, services: FakeServices, method: str
) -> None:
    response = await client.request(method, "/v1/cases/NWD-7K3M9QX2VD4H/personal-data")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/method-not-allowed"
    allowed = {name.strip() for name in response.headers["allow"].split(",")}
    assert allowed == {"GET", "DELETE"}
    assert response.headers["referrer-policy"] == "no-referrer"
    assert services.calls == []


async def test_an_unknown_path_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
