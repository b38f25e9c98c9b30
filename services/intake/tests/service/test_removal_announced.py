"""Removing a complaint's personal data is announced on the bus, for the other services to act."""

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import nats.js.errors
from fastapi import FastAPI

from intake.app import create_app
from intake.settings import IntakeSettings
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import ComplaintPersonalDataRemoved
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually, internal_headers, running

from ..support import MARKERS, complaint, file, publish, status_changed
from ..support import submission as stored
from .test_retention import CLOSED_AT, closed


async def announcements(bus: Bus) -> list[Envelope]:
    """Every `complaint.personal-data-removed` on the bus, oldest first."""
    stream = bus.stream_name(ComplaintPersonalDataRemoved.stream)
    subject = bus.subject_for(ComplaintPersonalDataRemoved.subject)
    found: list[Envelope] = []
    try:
        info = await bus.js.stream_info(stream)
    except nats.js.errors.NotFoundError:
        return found
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            message = await bus.js.get_msg(stream, sequence)
        except nats.js.errors.NotFoundError:
            continue
        if message.subject == subject:
            found.append(Envelope.from_wire(message.headers, message.data or b""))
    return found


def payload(envelope: Envelope) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(envelope.data)
    return data


def holds_no_personal_data(envelope: Envelope) -> bool:
    wire = envelope.data.decode() + json.dumps(envelope.headers())
    return not any(marker in wire for marker in MARKERS.values())


async def test_an_erasure_is_announced_once_without_personal_data(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus
) -> None:
    filed = await file(client, complaint())
    reference = filed["reference"]

    first = await client.post("/internal/personal-data/erase", json=filed)
    again = await client.post("/internal/personal-data/erase", json=filed)
    [announced] = await eventually(lambda: announcements(bus))

    assert first.status_code == again.status_code == 200
    assert announced.type == ComplaintPersonalDataRemoved.type
    assert announced.subject == reference
    assert payload(announced)["reference"] == reference
    assert payload(announced)["reason"] == "erasure"
    erased_at = (await stored(app, reference)).erased_at
    assert erased_at is not None
    assert datetime.fromisoformat(payload(announced)["removed_at"]) == erased_at
    assert holds_no_personal_data(announced)
    assert len(await announcements(bus)) == 1  # asking again removed nothing more


async def test_nothing_is_announced_for_a_wrong_receipt(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    filed = await file(client, complaint())

    refused = await client.post("/internal/personal-data/erase", json=filed | {"receipt": "0" * 16})
    exported = await client.post("/internal/personal-data/export", json=filed)

    assert refused.status_code == 404
    assert exported.json()["erased"] is False
    assert await announcements(bus) == []


async def test_the_retention_purge_announces_each_complaint_it_purges(
    settings: IntakeSettings,
) -> None:
    now = CLOSED_AT + timedelta(days=30)

    def clock() -> datetime:
        return now

    settings = settings.model_copy(update={"retention_days": 60, "purge_interval_seconds": 0.05})
    app = create_app(settings, clock=clock)
    async with running(app, internal_headers(app.state.data_dir)) as client:
        bus: Bus = app.state.runtime.bus
        due = (await file(client, complaint()))["reference"]
        kept = (await file(client, complaint()))["reference"]
        await publish(bus, closed(due, "ma-mediateur"), due)
        still_open = status_changed(kept, CaseStatus.INVESTIGATING, "ma-mediateur", at=CLOSED_AT)
        await publish(bus, still_open, kept)

        async def both_known() -> bool:
            due_record, kept_record = await stored(app, due), await stored(app, kept)
            return due_record.closed_at is not None and kept_record.case_status is not None

        await eventually(both_known)
        before = await announcements(bus)

        now = CLOSED_AT + timedelta(days=61)
        [announced] = await eventually(lambda: announcements(bus))
        purged, untouched = await stored(app, due), await stored(app, kept)

    assert before == []
    assert payload(announced)["reference"] == due
    assert payload(announced)["reason"] == "retention"
    assert purged.erased_at is not None
    assert datetime.fromisoformat(payload(announced)["removed_at"]) == purged.erased_at
    assert purged.erased_at == CLOSED_AT + timedelta(days=61)
    assert holds_no_personal_data(announced)
    assert untouched.erased_at is None
