"""Notifications' internal API answers the shared delivery contract, for a well-formed reference."""

from datetime import UTC, datetime

import httpx
from pydantic import TypeAdapter

from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.contracts.notifications import Delivery
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually

REFERENCE = "NWD-7K3M9QX2VD4H"


async def test_deliveries_answer_the_shared_contract(client: httpx.AsyncClient, bus: Bus) -> None:
    event = CaseOpened(
        reference=REFERENCE,
        status=CaseStatus.ROUTED,
        institution_ids=["be-unia"],
        lead_institution_id="be-unia",
        language="fr",
        opened_at=datetime.now(UTC),
    )
    envelope = Envelope.wrap(event, source="/t", subject=REFERENCE)
    await bus.publish(envelope, event.subject)

    async def answered() -> list[Delivery] | None:
        response = await client.get("/internal/deliveries", params={"reference": REFERENCE})
        assert response.status_code == 200
        return TypeAdapter(list[Delivery]).validate_json(response.content) or None

    deliveries = await eventually(answered)

    assert {(d.recipient, d.kind, d.status) for d in deliveries} == {
        ("be-unia", "case-opened", "delivered"),
        ("complainant", "case-opened", "delivered"),
    }
    assert {d.cause_event_id for d in deliveries} == {envelope.id}
    assert {d.reference for d in deliveries} == {REFERENCE}


async def test_a_reference_with_no_deliveries_answers_an_empty_list(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/internal/deliveries", params={"reference": "NWD-0000000000AA"})

    assert response.status_code == 200
    assert response.json() == []


async def test_a_malformed_reference_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/deliveries", params={"reference": "nope"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reference"


async def test_a_call_without_the_gateway_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/internal/deliveries",
        params={"reference": REFERENCE},
        headers={"Authorization": "Bearer forged"},
    )

    assert response.status_code == 401
