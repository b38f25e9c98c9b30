"""Routing over its own bus: a received complaint comes out decided and announced."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import ComplaintReceived, ComplaintResubmitted
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually
from routing.domain import load_seed_registry

Decide = Callable[..., Awaitable[dict[str, Any]]]


async def test_maladministration_in_casablanca_goes_to_the_regional_delegation(
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
    last_event: Callable[[str], Awaitable[Envelope | None]],
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
        return envelope if envelope is not None and envelope.subject == event.reference else None

    envelope = await eventually(announced)
    routed = envelope.event()
    assert routed.model_dump()["competent"][0]["institution_id"] == "ma-mediateur"
    assert envelope.id != "" and envelope.type == "org.nowrongdoor.complaint.routed.v1"


async def test_the_routed_event_carries_the_territories_containing_the_respondent(
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
    last_event: Callable[[str], Awaitable[Envelope | None]],
) -> None:
    async def routed_event(territory: str) -> dict[str, Any]:
        event = received(respondent_territory=territory)
        await decide_over_the_bus(event)

        async def announced() -> Envelope | None:
            envelope = await last_event("complaint.routed")
            return (
                envelope if envelope is not None and envelope.subject == event.reference else None
            )

        return (await eventually(announced)).event().model_dump()

    inside = await routed_event("MA-CAS")
    outside = await routed_event("DE-BY")

    assert inside["territory_path"] == ["MA", "MA-06", "MA-CAS"]
    assert inside["competent"][0]["office_id"] == "ma-mediateur-casablanca-settat"
    assert (outside["outcome"], outside["territory_path"]) == ("not-competent", ["DE", "DE-BY"])


async def test_a_private_dispute_gets_advice_not_a_case(decide_over_the_bus: Decide) -> None:
    decision = await decide_over_the_bus(respondent_type="private-company")

    assert decision["outcome"] == "not-competent"
    assert decision["advice"] == "private-dispute"
    assert decision["competent"] == []


async def test_a_resubmission_is_decided_again_as_the_next_revision(
    app: FastAPI,
    client: httpx.AsyncClient,
    decide_over_the_bus: Decide,
    received: Callable[..., ComplaintReceived],
) -> None:
    first = received(administration_contacted=False)
    waiting = await decide_over_the_bus(first)
    again = ComplaintResubmitted(
        reference=first.reference,
        received_at=first.received_at,
        resubmitted_at=datetime.now(UTC),
        facts=first.facts.model_copy(update={"administration_contacted": True}),
    )
    bus: Bus = app.state.runtime.bus
    await bus.publish(Envelope.wrap(again, source="/tests", subject=again.reference), again.subject)

    async def decided_again() -> dict[str, Any] | None:
        response = await client.get(f"/internal/decisions/{first.reference}")
        current: dict[str, Any] = response.json()
        return current if current["revision"] == 2 else None

    current = await eventually(decided_again)
    assert (waiting["outcome"], waiting["revision"]) == ("prerequisite-missing", 1)
    assert current["outcome"] == "competent"
    assert current["competent"][0]["institution_id"] == "ma-mediateur"
    history = (await client.get(f"/internal/decisions/{first.reference}/history")).json()
    assert [d["revision"] for d in history] == [1, 2]
