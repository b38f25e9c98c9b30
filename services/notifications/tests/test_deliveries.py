from datetime import UTC, datetime
from typing import Any

import httpx

from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.testing.apps import eventually

REFERENCE = "NWD-7K3M9QX2VD4H"


def opened(institutions: list[str]) -> CaseOpened:
    return CaseOpened(
        reference=REFERENCE,
        status="routed",
        institution_ids=institutions,
        lead_institution_id=institutions[0],
        language="en",
        opened_at=datetime.now(UTC),
    )


async def deliveries(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/internal/deliveries", params={"reference": REFERENCE})
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


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


async def test_a_malformed_reference_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/deliveries", params={"reference": "nope"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reference"
