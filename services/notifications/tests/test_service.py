"""Which deliveries an opened case calls for, recorded once whatever JetStream redelivers."""

from datetime import UTC, datetime
from typing import Any

import httpx

from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually

REFERENCE = "NWD-7K3M9QX2VD4H"


def opened(
    institutions: list[str],
    *,
    reference: str = REFERENCE,
    received_by: str | None = None,
    language: str = "en",
) -> CaseOpened:
    return CaseOpened(
        reference=reference,
        status=CaseStatus.ROUTED,
        institution_ids=institutions,
        lead_institution_id=institutions[0],
        language=language,
        opened_at=datetime.now(UTC),
        received_by=received_by,
    )


async def deliveries(client: httpx.AsyncClient, reference: str = REFERENCE) -> list[dict[str, Any]]:
    response = await client.get("/internal/deliveries", params={"reference": reference})
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


async def deliveries_once_recorded(
    client: httpx.AsyncClient, bus: Bus, event: CaseOpened
) -> list[tuple[str, str, str]]:
    await bus.publish(Envelope.wrap(event, source="/t", subject=event.reference), "case.opened")

    recorded = await eventually(lambda: deliveries(client, event.reference))
    return sorted((d["recipient"], d["channel"], d["kind"]) for d in recorded)


async def test_an_opened_case_is_owed_to_each_institution_and_the_complainant(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    envelope = Envelope.wrap(opened(["ma-inpplc", "ma-mediateur"]), source="/t", subject=REFERENCE)
    await bus.publish(envelope, "case.opened")

    recorded = await eventually(lambda: deliveries(client))

    assert sorted((d["recipient"], d["channel"]) for d in recorded) == [
        ("complainant", "tracking-page"),
        ("ma-inpplc", "institution-inbox"),
        ("ma-mediateur", "institution-inbox"),
    ]
    assert {d["cause_event_id"] for d in recorded} == {envelope.id}
    assert len({d["id"] for d in recorded}) == 3


async def test_a_redelivered_event_records_no_second_delivery(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    envelope = Envelope.wrap(opened(["be-unia"]), source="/t", subject=REFERENCE)
    await bus.publish(envelope, "case.opened")
    headers = envelope.headers() | {"Nats-Msg-Id": "redelivered"}
    await bus.js.publish(bus.subject_for("case.opened"), envelope.data, headers=headers)

    async def settled() -> bool:
        info = await bus.js.consumer_info(bus.stream_name("CASES"), "notifications-case-opened")
        return bool(
            info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq == 2
        )

    await eventually(settled)
    assert len(await deliveries(client)) == 2


# No wrong door: the institution a complaint came through is told when it goes elsewhere.


async def test_the_door_a_complaint_left_gets_a_transferred_out_delivery(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    event = opened(["ma-mediateur"], received_by="ma-cndh", language="fr")

    assert await deliveries_once_recorded(client, bus, event) == [
        ("complainant", "tracking-page", "case-opened"),
        ("ma-cndh", "institution-inbox", "transferred-out"),
        ("ma-mediateur", "institution-inbox", "case-opened"),
    ]


async def test_a_door_that_keeps_its_complaint_is_told_only_of_the_case(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    event = opened(
        ["fr-hatvp", "fr-ddd"], reference="NWD-7K3M9QX2VD4J", received_by="fr-ddd", language="fr"
    )

    assert await deliveries_once_recorded(client, bus, event) == [
        ("complainant", "tracking-page", "case-opened"),
        ("fr-ddd", "institution-inbox", "case-opened"),
        ("fr-hatvp", "institution-inbox", "case-opened"),
    ]
