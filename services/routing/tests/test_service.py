"""The routing service end to end over its own bus: a received complaint comes out decided."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.events import ComplaintFacts, ComplaintReceived
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually, internal_headers, running
from routing.app import create_app
from routing.settings import RoutingSettings


@pytest.fixture
def app(database_url: str, nats_url: str, bus_namespace: str, tmp_path: Path) -> FastAPI:
    return create_app(
        RoutingSettings(
            environment="test",
            database_url=database_url,
            nats_url=nats_url,
            bus_namespace=bus_namespace,
            data_dir=tmp_path,
        )
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir)) as client:
        yield client


def received(**facts: Any) -> ComplaintReceived:
    base: dict[str, Any] = {
        "category": "maladministration",
        "respondent_type": "local-authority",
        "respondent_territory": "MA-06",
        "complainant_role": "citizen",
        "anonymous": True,
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
        "channel": "web",
    }
    base.update(facts)
    return ComplaintReceived(
        reference=new_reference(), received_at=datetime.now(UTC), facts=ComplaintFacts(**base)
    )


async def decide_over_the_bus(
    app: FastAPI, client: httpx.AsyncClient, event: ComplaintReceived
) -> dict[str, Any]:
    bus: Bus = app.state.runtime.bus
    await bus.publish(Envelope.wrap(event, source="/tests", subject=event.reference), event.subject)

    async def decided() -> dict[str, Any] | None:
        response = await client.get(f"/internal/decisions/{event.reference}")
        return response.json() if response.status_code == 200 else None

    return await eventually(decided)


async def last_event(app: FastAPI, subject: str) -> Envelope:
    bus: Bus = app.state.runtime.bus
    message = await bus.js.get_last_msg(bus.stream_name("COMPLAINTS"), bus.subject_for(subject))
    return Envelope.from_wire(message.headers, message.data or b"")


async def test_maladministration_in_casablanca_goes_to_the_regional_delegation(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    event = received()
    decision = await decide_over_the_bus(app, client, event)

    assert decision["outcome"] == "competent"
    assert decision["competent"][0]["institution_id"] == "ma-mediateur"
    assert decision["competent"][0]["office_id"] is not None
    assert decision["registry_version"] == app.state.registry.version

    async def announced() -> Envelope | None:
        envelope = await last_event(app, "complaint.routed")
        return envelope if envelope.subject == event.reference else None

    envelope = await eventually(announced)
    routed = envelope.event()
    assert routed.model_dump()["competent"][0]["institution_id"] == "ma-mediateur"
    assert envelope.id != "" and envelope.type == "org.nowrongdoor.complaint.routed.v1"


async def test_a_private_dispute_gets_advice_not_a_case(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    decision = await decide_over_the_bus(app, client, received(respondent_type="private-company"))

    assert decision["outcome"] == "not-competent"
    assert decision["advice"] == "private-dispute"
    assert decision["competent"] == []


async def test_the_registry_is_listed_with_its_regional_offices(client: httpx.AsyncClient) -> None:
    institutions = (await client.get("/internal/institutions")).json()

    by_id = {item["institution_id"]: item for item in institutions}
    assert len(by_id) == 10
    offices = {office["office_id"] for office in by_id["ma-mediateur"]["offices"]}
    assert len(offices) == 2
