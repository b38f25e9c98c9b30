"""No wrong door: the institution a complaint came through is told when it goes elsewhere."""

from datetime import UTC, datetime
from typing import Any

import httpx

from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.testing.apps import eventually


def opened(reference: str, institutions: list[str], received_by: str | None) -> CaseOpened:
    return CaseOpened(
        reference=reference,
        status="routed",
        institution_ids=institutions,
        lead_institution_id=institutions[0],
        language="fr",
        opened_at=datetime.now(UTC),
        received_by=received_by,
    )


async def deliveries_once_recorded(
    client: httpx.AsyncClient, bus: Bus, event: CaseOpened
) -> list[tuple[str, str, str]]:
    await bus.publish(Envelope.wrap(event, source="/t", subject=event.reference), "case.opened")

    async def recorded() -> list[dict[str, Any]] | None:
        response = await client.get("/internal/deliveries", params={"reference": event.reference})
        found: list[dict[str, Any]] = response.json()
        return found or None

    return sorted((d["recipient"], d["channel"], d["kind"]) for d in await eventually(recorded))


async def test_the_door_a_complaint_left_gets_a_transferred_out_delivery(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    event = opened("NWD-7K3M9QX2VD4H", ["ma-mediateur"], received_by="ma-cndh")

    assert await deliveries_once_recorded(client, bus, event) == [
        ("complainant", "tracking-page", "case-opened"),
        ("ma-cndh", "institution-inbox", "transferred-out"),
        ("ma-mediateur", "institution-inbox", "case-opened"),
    ]


async def test_a_door_that_keeps_its_complaint_is_told_only_of_the_case(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    event = opened("NWD-7K3M9QX2VD4J", ["fr-hatvp", "fr-ddd"], received_by="fr-ddd")

    assert await deliveries_once_recorded(client, bus, event) == [
        ("complainant", "tracking-page", "case-opened"),
        ("fr-ddd", "institution-inbox", "case-opened"),
        ("fr-hatvp", "institution-inbox", "case-opened"),
    ]
