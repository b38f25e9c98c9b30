"""The HTTP edge of intake: what it refuses before any use case runs, and its health."""

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from .support import complaint, file


async def test_invalid_input_is_refused_field_by_field_and_nothing_is_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    bad = complaint(description="short", language="es")
    bad["submission"]["respondent"]["territory"] = "Casablanca"

    response = await client.post("/internal/complaints", json=bad)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {
        "submission.description",
        "submission.language",
        "submission.respondent.territory",
    }
    async with app.state.runtime.sessions() as session:
        count = (await session.execute(sa.text("SELECT count(*) FROM submissions"))).scalar_one()
    assert count == 0


async def test_an_anonymous_complaint_with_a_name_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/internal/complaints",
        json=complaint(complainant={"role": "citizen", "anonymous": True, "name": "Someone"}),
    )

    assert response.status_code == 422
    assert "anonymous" in response.json()["errors"][0]["message"]
    assert "Someone" not in response.text


async def test_a_resubmission_for_another_reference_than_its_path_matches_nothing(
    client: httpx.AsyncClient,
) -> None:
    mine = await file(client, complaint())
    other = await file(client, complaint())

    response = await client.post(
        f"/internal/complaints/{other['reference']}/resubmission",
        json={**mine, "administration_contacted": True},
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "No case matches this reference and receipt."


async def test_only_the_gateway_may_call(app: FastAPI, client: httpx.AsyncClient) -> None:
    unsigned = await client.post(
        "/internal/receipts/check",
        json={"reference": "NWD-0000000000AA", "receipt": "0" * 16},
        headers={"Authorization": ""},
    )

    assert unsigned.status_code == 401


async def test_readiness_reports_database_and_nats(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "nats": "ok"}
