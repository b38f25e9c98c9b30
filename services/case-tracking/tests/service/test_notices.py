"""What notifications sent shows on the case's timeline, to the one it was sent to only."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from case_tracking_support import (
    Caller,
    competent,
    complainant,
    open_case,
    publish,
    received,
    routed,
    staff,
)

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import NotificationDelivered, NotificationFailed
from nowrongdoor.envelope import Envelope
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually

As = Callable[[Principal], Caller]
NOTICES = {"notice-sent", "notice-failed"}


def delivered(reference: str, recipient: str, channel: str = "email") -> NotificationDelivered:
    return NotificationDelivered(
        delivery_id=str(uuid.uuid4()),
        reference=reference,
        recipient=recipient,
        channel=channel,
        cause_event_id=str(uuid.uuid4()),
        kind="status-changed",
        delivered_at=datetime.now(UTC),
    )


def failed(reference: str, recipient: str, channel: str = "email") -> NotificationFailed:
    return NotificationFailed(
        delivery_id=str(uuid.uuid4()),
        reference=reference,
        recipient=recipient,
        channel=channel,
        cause_event_id=str(uuid.uuid4()),
        kind="status-changed",
        reason="the mail server refused the address",
        failed_at=datetime.now(UTC),
    )


async def send(bus: Bus, event: NotificationDelivered | NotificationFailed) -> Envelope:
    envelope = Envelope.wrap(event, source="/services/notifications", subject=event.reference)
    await bus.publish(envelope, event.subject)
    return envelope


async def notices(caller: Caller, reference: str) -> list[dict[str, Any]]:
    response = await caller.read(reference)
    assert response.status_code == 200, response.text
    return [entry for entry in response.json()["timeline"] if entry["kind"] in NOTICES]


async def seen(caller: Caller, reference: str, count: int) -> list[str]:
    async def enough() -> list[dict[str, Any]] | None:
        found = await notices(caller, reference)
        return found if len(found) >= count else None

    return [entry["summary"] for entry in await eventually(enough)]


async def test_the_complainant_sees_what_was_sent_to_them_and_nothing_else(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur", "ma-cndh")
    await send(bus, delivered(reference, "complainant"))
    await send(bus, failed(reference, "complainant", "sms"))
    await send(bus, delivered(reference, "ma-cndh"))
    await send(bus, failed(reference, "ma-mediateur"))

    person = await seen(as_(complainant(reference)), reference, 2)
    cndh = await seen(as_(staff("ma-cndh")), reference, 1)
    mediateur = await seen(as_(staff("ma-mediateur")), reference, 1)

    assert person == ["Un e-mail vous a été envoyé", "Nous n'avons pas pu vous envoyer de SMS"]
    assert cndh == ["An email was sent to Institution ma-cndh"]
    assert mediateur == ["We could not send an email to Institution ma-mediateur"]


async def test_webhook_calls_and_inbox_entries_are_not_told_on_the_timeline(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    await send(bus, delivered(reference, f"wh-{uuid.uuid4().hex}", "webhook"))
    await send(bus, delivered(reference, "ma-mediateur", "institution-inbox"))
    await send(bus, delivered(reference, "ma-cndh"))  # no part: nobody to show it to
    await send(bus, delivered(reference, "ma-mediateur"))  # the last: all before are handled

    mediateur = await seen(as_(staff("ma-mediateur")), reference, 1)
    person = await notices(as_(complainant(reference)), reference)

    assert mediateur == ["An email was sent to Institution ma-mediateur"]
    assert person == []


async def test_a_redelivered_notice_is_told_once(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    envelope = await send(bus, delivered(reference, "complainant"))
    await bus.publish(envelope, NotificationDelivered.subject)
    await send(bus, failed(reference, "complainant"))

    person = await seen(as_(complainant(reference)), reference, 2)

    assert person == ["Un e-mail vous a été envoyé", "Nous n'avons pas pu vous envoyer d'e-mail"]


async def test_no_entry_names_an_address(client: httpx.AsyncClient, bus: Bus, as_: As) -> None:
    reference = await open_case(client, bus, "ma-mediateur")
    await send(bus, failed(reference, "complainant"))

    await seen(as_(complainant(reference)), reference, 1)
    everything = (await as_(staff("ma-mediateur")).read(reference)).text
    theirs = (await as_(complainant(reference)).read(reference)).text

    assert "@" not in everything + theirs
    assert "refused" not in theirs  # the reason stays with notifications' operators


async def test_a_notice_sent_before_its_case_opened_is_told_once_it_has(
    client: httpx.AsyncClient, bus: Bus, as_: As
) -> None:
    reference = new_reference()
    acknowledgement = delivered(reference, "complainant")
    await send(bus, acknowledgement)  # the acknowledgement leaves the moment it is filed

    await publish(bus, received(reference))
    await publish(bus, routed(reference=reference, competent=[competent("ma-mediateur")]))

    assert await seen(as_(complainant(reference)), reference, 1) == ["Un e-mail vous a été envoyé"]
