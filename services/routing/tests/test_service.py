"""The routing service end to end over its own bus: a received complaint comes out decided."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI

from nowrongdoor.bus import Envelope
from nowrongdoor.contracts.events import ComplaintReceived
from nowrongdoor.testing.apps import eventually
from routing.domain import load_seed_registry

Decide = Callable[..., Awaitable[dict[str, Any]]]


async def test_maladministration_in_casablanca_goes_to_the_regional_delegation(
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
    last_event: Callable[[str], Awaitable[Envelope]],
) -> None:
    event = received()
    decision = await decide_over_the_bus(event)

    assert decision["outcome"] == "competent"
    assert decision["competent"][0]["institution_id"] == "ma-mediateur"
    assert decision["competent"][0]["office_id"] is not None
    assert decision["registry_version"] == load_seed_registry().version
    assert (decision["revision"], decision["decided_by"]) == (1, "engine")

    async def announced() -> Envelope | None:
        envelope = await last_event("complaint.routed")
        return envelope if envelope.subject == event.reference else None

    envelope = await eventually(announced)
    routed = envelope.event()
    assert routed.model_dump()["competent"][0]["institution_id"] == "ma-mediateur"
    assert envelope.id != "" and envelope.type == "org.nowrongdoor.complaint.routed.v1"


async def test_a_private_dispute_gets_advice_not_a_case(decide_over_the_bus: Decide) -> None:
    decision = await decide_over_the_bus(respondent_type="private-company")

    assert decision["outcome"] == "not-competent"
    assert decision["advice"] == "private-dispute"
    assert decision["competent"] == []


async def test_the_registry_is_listed_with_its_regional_offices(client: httpx.AsyncClient) -> None:
    institutions = (await client.get("/internal/institutions", params={"lang": "ar"})).json()

    by_id = {item["institution_id"]: item for item in institutions}
    assert len(by_id) == 10
    mediateur = by_id["ma-mediateur"]
    assert mediateur["name"] == "مؤسسة وسيط المملكة"
    assert {o["office_id"] for o in mediateur["offices"]} == {
        "ma-mediateur-casablanca-settat",
        "ma-mediateur-tanger-tetouan-al-hoceima",
    }
    assert mediateur["service_standards"]["acknowledge_days"] > 0
    assert mediateur["categories"] == ["maladministration"]


async def test_one_institution_is_answered_and_an_unknown_one_is_a_problem(
    client: httpx.AsyncClient,
) -> None:
    known = await client.get("/internal/institutions/fr-hatvp", params={"lang": "en"})
    unknown = await client.get("/internal/institutions/xx-nobody")

    assert known.json()["name"] == "High Authority for Transparency in Public Life"
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


async def test_every_route_needs_the_gateways_token(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service.test"
    ) as bare:
        response = await bare.get("/internal/guide")

    assert response.status_code == 401
