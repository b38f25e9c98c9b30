import json
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from intake.models import OutboxMessage, Submission
from nowrongdoor.ids import is_receipt, is_reference

MARKERS = {
    "description": "Canary-description-7Q2 the commune refused my birth certificate.",
    "name": "Canary-name-5XK",
    "email": "canary-mail-9ZT@example.org",
    "phone": "+212 611 223 344",
    "respondent": "Canary-respondent-3MM",
}


def complaint(**overrides: Any) -> dict[str, Any]:
    submission = {
        "description": MARKERS["description"],
        "category": "maladministration",
        "respondent": {
            "name": MARKERS["respondent"],
            "type": "local-authority",
            "territory": "MA-06",
        },
        "complainant": {
            "role": "citizen",
            "anonymous": False,
            "name": MARKERS["name"],
            "email": MARKERS["email"],
            "phone": MARKERS["phone"],
        },
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
    }
    submission.update(overrides)
    return {"submission": submission, "channel": "web"}


async def test_a_complaint_is_accepted_with_a_reference_and_a_receipt(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/internal/complaints", json=complaint())

    assert response.status_code == 201
    body = response.json()
    assert is_reference(body["reference"])
    assert is_receipt(body["receipt"])


async def test_personal_data_is_stored_only_sealed_and_the_event_carries_only_facts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.post("/internal/complaints", json=complaint())
    reference = response.json()["reference"]
    receipt = response.json()["receipt"]

    async with app.state.runtime.sessions() as session:
        rows = (await session.execute(sa.text("SELECT * FROM submissions"))).mappings().all()
        outbox = (await session.scalars(sa.select(OutboxMessage))).all()
    stored = json.dumps([dict(row) for row in rows], default=str)
    for marker in MARKERS.values():
        assert marker not in stored
    assert receipt not in stored
    assert len(outbox) == 1
    assert outbox[0].type == "org.nowrongdoor.complaint.received.v1"
    assert outbox[0].event_subject == reference
    payload = json.loads(outbox[0].payload)
    assert payload["facts"]["respondent_territory"] == "MA-06"
    for marker in MARKERS.values():
        assert marker not in outbox[0].payload


async def test_the_sealed_description_opens_with_the_service_key(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    reference = (await client.post("/internal/complaints", json=complaint())).json()["reference"]

    async with app.state.runtime.sessions() as session:
        record = await session.get(Submission, reference)
    assert record is not None
    assert (
        app.state.sealer.open(record.sealed_description, f"{reference}/description")
        == (MARKERS["description"])
    )


async def test_the_receipt_opens_its_own_reference_only(client: httpx.AsyncClient) -> None:
    first = (await client.post("/internal/complaints", json=complaint())).json()
    second = (await client.post("/internal/complaints", json=complaint())).json()

    right = await client.post(
        "/internal/receipts/check",
        json={"reference": first["reference"], "receipt": first["receipt"]},
    )
    crossed = await client.post(
        "/internal/receipts/check",
        json={"reference": first["reference"], "receipt": second["receipt"]},
    )
    unknown = await client.post(
        "/internal/receipts/check",
        json={"reference": "NWD-0000000000AA", "receipt": first["receipt"]},
    )

    assert right.status_code == 200
    assert right.json()["reference"] == first["reference"]
    assert crossed.status_code == unknown.status_code == 404
    assert crossed.json() == unknown.json()


async def test_invalid_input_is_refused_field_by_field_and_nothing_is_stored(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    bad = complaint(description="short", language="de")
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


async def test_readiness_reports_database_and_nats(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "nats": "ok"}
