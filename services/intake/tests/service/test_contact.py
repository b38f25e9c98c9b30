"""The complainant's addresses: announced sealed with the complaint, changed and removed later."""

import json
from typing import Any

import httpx
import nats.js.errors
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import col

from intake.models import Submission
from intake.settings import IntakeSettings
from nowrongdoor.bus import Bus
from nowrongdoor.contacts import ContactDetails, open_contact
from nowrongdoor.contracts.events import ComplaintContactChanged, ComplaintReceived
from nowrongdoor.testing.apps import eventually

from ..support import MARKERS, audit_log, complaint, file

NEW_EMAIL = "canary-new-mail-4RB@example.org"
NEW_PHONE = "+212 699 887 766"


async def on_the_bus(
    bus: Bus, event_type: type[ComplaintContactChanged | ComplaintReceived]
) -> list[tuple[int, bytes]]:
    """Each raw message of this type on the bus, headers and data as sent, with its sequence."""
    stream = bus.stream_name(event_type.stream)
    subject = bus.subject_for(event_type.subject)
    try:
        info = await bus.js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        return []
    if not info.state.messages:
        return []
    found: list[tuple[int, bytes]] = []
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            message = await bus.js.get_msg(stream, sequence)
        except nats.js.errors.NotFoundError:
            continue
        if message.subject == subject:
            wire = json.dumps(message.headers or {}).encode() + b"\n" + (message.data or b"")
            found.append((sequence, wire))
    return found


def payload(wire: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(wire.split(b"\n", 1)[1])
    return data


async def changes(bus: Bus, count: int) -> list[tuple[int, bytes]]:
    async def arrived() -> list[tuple[int, bytes]] | None:
        found = await on_the_bus(bus, ComplaintContactChanged)
        return found if len(found) >= count else None

    return await eventually(arrived)


def in_clear(wire: bytes, *addresses: str) -> bool:
    return any(address.encode() in wire for address in addresses)


def opened(settings: IntakeSettings, reference: str, wire: bytes) -> ContactDetails:
    sealed = payload(wire)["sealed_contact"]
    assert isinstance(sealed, str)
    return open_contact(settings.transport_keys(), reference, sealed)


async def export(client: httpx.AsyncClient, filed: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/internal/personal-data/export", json=filed)
    assert response.status_code == 200
    exported: dict[str, Any] = response.json()
    return exported


async def test_the_addresses_given_with_a_complaint_are_announced_sealed_before_it(
    client: httpx.AsyncClient, bus: Bus, settings: IntakeSettings
) -> None:
    filed = await file(client, complaint())
    reference = filed["reference"]

    [(sequence, wire)] = await changes(bus, 1)
    [(received_sequence, _)] = await eventually(lambda: on_the_bus(bus, ComplaintReceived))

    assert payload(wire)["reference"] == reference
    assert payload(wire)["change"] == "submitted"
    assert payload(wire)["language"] == "fr"
    assert opened(settings, reference, wire) == ContactDetails(
        email=MARKERS["email"], phone=MARKERS["phone"]
    )
    assert not in_clear(wire, MARKERS["email"], MARKERS["phone"], MARKERS["name"])
    assert sequence < received_sequence  # notifications knows where to write when it hears


async def test_a_complaint_without_addresses_announces_none(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await file(client, complaint(complainant={"role": "citizen", "anonymous": True}))

    await eventually(lambda: on_the_bus(bus, ComplaintReceived))

    assert await on_the_bus(bus, ComplaintContactChanged) == []


async def test_an_anonymous_complainant_adds_an_address_then_removes_it(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus, settings: IntakeSettings
) -> None:
    filed = await file(client, complaint(complainant={"role": "citizen", "anonymous": True}))
    reference = filed["reference"]
    path = f"/internal/complaints/{reference}/contact"

    added = await client.put(path, json=filed | {"email": NEW_EMAIL, "phone": NEW_PHONE})
    after_adding = await export(client, filed)
    stored = await _sealed_contact(app, reference)
    removed = await client.post(f"{path}/removal", json=filed)
    after_removing = await export(client, filed)
    [(_, added_wire), (_, removed_wire)] = await changes(bus, 2)

    assert (added.status_code, removed.status_code) == (204, 204)
    assert after_adding["identity"] is None  # still anonymous
    assert after_adding["contact"] == {"email": NEW_EMAIL, "phone": NEW_PHONE}
    assert after_removing["contact"] is None
    assert stored is not None and not in_clear(stored.encode(), NEW_EMAIL, NEW_PHONE)
    assert payload(added_wire)["change"] == "added"
    assert opened(settings, reference, added_wire) == ContactDetails(
        email=NEW_EMAIL, phone=NEW_PHONE
    )
    assert not in_clear(added_wire + removed_wire, NEW_EMAIL, NEW_PHONE)
    assert payload(removed_wire)["change"] == "removed"
    assert payload(removed_wire)["sealed_contact"] is None
    actions = [entry.action for entry in await audit_log(app)]
    assert actions.count("contact-change") == actions.count("contact-removal") == 1


async def test_a_changed_address_replaces_the_one_given_with_the_complaint(
    client: httpx.AsyncClient,
) -> None:
    filed = await file(client, complaint())

    before = await export(client, filed)
    changed = await client.put(
        f"/internal/complaints/{filed['reference']}/contact", json=filed | {"email": NEW_EMAIL}
    )
    after = await export(client, filed)

    assert changed.status_code == 204
    assert before["contact"] == {"email": MARKERS["email"], "phone": MARKERS["phone"]}
    assert after["contact"] == {"email": NEW_EMAIL, "phone": None}
    assert after["identity"]["email"] == MARKERS["email"]  # the identity given stays as given


async def test_a_wrong_receipt_changes_nothing_and_announces_nothing(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    filed = await file(client, complaint(complainant={"role": "citizen", "anonymous": True}))
    path = f"/internal/complaints/{filed['reference']}/contact"
    wrong = filed | {"receipt": "0" * 16}

    changed = await client.put(path, json=wrong | {"email": NEW_EMAIL})
    removed = await client.post(f"{path}/removal", json=wrong)
    elsewhere = await client.put(
        "/internal/complaints/NWD-0000000000AA/contact", json=filed | {"email": NEW_EMAIL}
    )

    assert changed.status_code == removed.status_code == elsewhere.status_code == 404
    assert (await export(client, filed))["contact"] is None
    await eventually(lambda: on_the_bus(bus, ComplaintReceived))
    assert await on_the_bus(bus, ComplaintContactChanged) == []


async def test_an_address_must_be_well_formed_and_one_at_least_given(
    client: httpx.AsyncClient,
) -> None:
    filed = await file(client, complaint())
    path = f"/internal/complaints/{filed['reference']}/contact"

    neither = await client.put(path, json=filed)
    malformed = await client.put(path, json=filed | {"email": "not-an-address"})
    bad_phone = await client.put(path, json=filed | {"phone": "call me"})

    assert neither.status_code == malformed.status_code == bad_phone.status_code == 422
    assert (await export(client, filed))["contact"]["email"] == MARKERS["email"]


async def test_erasure_removes_the_address_and_none_is_kept_after(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    filed = await file(client, complaint())
    path = f"/internal/complaints/{filed['reference']}/contact"
    await client.put(path, json=filed | {"email": NEW_EMAIL})

    erased = await client.post("/internal/personal-data/erase", json=filed)
    again = await client.put(path, json=filed | {"email": NEW_EMAIL})

    assert erased.status_code == 200
    assert erased.json()["contact"] is None
    assert await _sealed_contact(app, filed["reference"]) is None
    assert again.status_code == 409
    assert again.json()["type"].endswith("/personal-data-erased")


async def _sealed_contact(app: FastAPI, reference: str) -> str | None:
    async with app.state.runtime.sessions() as session:
        value: str | None = await session.scalar(
            sa.select(col(Submission.sealed_contact)).where(col(Submission.reference) == reference)
        )
    return value
