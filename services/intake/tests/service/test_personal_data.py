"""The personal data intake holds: export and erasure by the complainant, reads by staff."""

import asyncio
import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import col

from intake.models import OutboxMessage
from intake.service.decisions import DecisionWaiters
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.testing.apps import eventually, internal_headers

from ..support import audit_log, file, learned, publish, read_as, routed, staff

MARKERS = {
    "description": "Canary-description-4HW the prefecture kept my passport for a year.",
    "name": "Canary-name-8RT",
    "email": "canary-mail-2PL@example.org",
    "phone": "+212 622 334 455",
    "respondent": "Canary-respondent-6QD",
}


def complaint(*, anonymous: bool = False) -> dict[str, Any]:
    complainant: dict[str, Any] = {"role": "citizen", "anonymous": anonymous}
    if not anonymous:
        complainant |= {"name": MARKERS["name"], "email": MARKERS["email"]}
        complainant |= {"phone": MARKERS["phone"]}
    return {
        "submission": {
            "description": MARKERS["description"],
            "category": "human-rights",
            "respondent": {
                "name": MARKERS["respondent"],
                "type": "national-administration",
                "territory": "MA-06",
            },
            "complainant": complainant,
            "administration_contacted": True,
            "court_case_pending": False,
            "language": "fr",
        },
        "channel": "web",
    }


# -- export and erasure ----------------------------------------------------------------------


async def test_the_complainant_exports_everything_held_about_the_complaint(
    client: httpx.AsyncClient,
) -> None:
    filed = await file(client, complaint())

    response = await client.post("/internal/personal-data/export", json=filed)

    assert response.status_code == 200
    exported = response.json()
    assert exported["reference"] == filed["reference"]
    assert exported["identity"] == {
        "name": MARKERS["name"],
        "email": MARKERS["email"],
        "phone": MARKERS["phone"],
    }
    assert exported["description"] == MARKERS["description"]
    assert exported["respondent_name"] == MARKERS["respondent"]
    assert exported["received_at"]
    assert exported["category"] == "human-rights"
    assert exported["erased"] is False


async def test_an_anonymous_complaint_exports_no_identity(client: httpx.AsyncClient) -> None:
    filed = await file(client, complaint(anonymous=True))

    exported = (await client.post("/internal/personal-data/export", json=filed)).json()

    assert exported["identity"] is None
    assert exported["description"] == MARKERS["description"]


async def test_erasure_empties_the_personal_data_and_keeps_the_facts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    filed = await file(client, complaint())

    erased = await client.post("/internal/personal-data/erase", json=filed)
    exported = await client.post("/internal/personal-data/export", json=filed)
    still_tracked = await client.post("/internal/receipts/check", json=filed)

    assert erased.status_code == 200
    assert erased.json()["erased"] is True
    assert exported.status_code == 200
    after = exported.json()
    assert after["erased"] is True
    assert after["erasure_reason"] == "request"
    assert after["erased_at"]
    assert after["identity"] is None
    assert after["description"] is None
    assert after["respondent_name"] is None
    assert (after["category"], after["respondent_territory"]) == ("human-rights", "MA-06")
    assert still_tracked.status_code == 200
    async with app.state.runtime.sessions() as session:
        row = (
            (
                await session.execute(
                    sa.text("SELECT * FROM submissions WHERE reference = :reference"),
                    {"reference": filed["reference"]},
                )
            )
            .mappings()
            .one()
        )
    assert row["sealed_description"] is None
    assert row["sealed_respondent_name"] is None
    assert row["sealed_identity"] is None
    assert row["category"] == "human-rights"
    assert row["respondent_type"] == "national-administration"


async def test_erasing_twice_is_harmless_and_both_are_audited(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    filed = await file(client, complaint())

    first = await client.post("/internal/personal-data/erase", json=filed)
    second = await client.post("/internal/personal-data/erase", json=filed)

    assert first.status_code == second.status_code == 200
    assert first.json()["erased_at"] == second.json()["erased_at"]
    assert [(e.action, e.detail) for e in await audit_log(app)] == [
        ("erase", None),
        ("erase", "personal data already erased"),
    ]


@pytest.mark.parametrize("action", ["export", "erase"])
async def test_a_wrong_receipt_and_an_unknown_reference_give_the_same_404(
    client: httpx.AsyncClient, app: FastAPI, action: str
) -> None:
    mine = await file(client, complaint())
    theirs = await file(client, complaint())

    crossed = await client.post(
        f"/internal/personal-data/{action}",
        json={"reference": mine["reference"], "receipt": theirs["receipt"]},
    )
    unknown = await client.post(
        f"/internal/personal-data/{action}",
        json={"reference": "NWD-0000000000AA", "receipt": mine["receipt"]},
    )

    assert crossed.status_code == unknown.status_code == 404
    assert crossed.json() == unknown.json()
    assert crossed.headers["content-type"] == "application/problem+json"
    assert await audit_log(app) == []
    exported = await client.post("/internal/personal-data/export", json=mine)
    assert exported.json()["description"] == MARKERS["description"]


async def test_export_and_erasure_are_audited_without_personal_data(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    filed = await file(client, complaint())

    await client.post("/internal/personal-data/export", json=filed)
    await client.post("/internal/personal-data/erase", json=filed)

    entries = await audit_log(app)
    assert [(e.action, e.reference) for e in entries] == [
        ("export", filed["reference"]),
        ("erase", filed["reference"]),
    ]
    assert {(e.actor_client_id, e.actor_kind) for e in entries} == {("public", "public")}
    async with app.state.runtime.sessions() as session:
        rows = (await session.execute(sa.text("SELECT * FROM audit_log"))).mappings().all()
    stored = json.dumps([dict(row) for row in rows], default=str)
    for marker in [*MARKERS.values(), filed["receipt"]]:
        assert marker not in stored


# -- staff reads -----------------------------------------------------------------------------


async def decided(app: FastAPI, bus: Bus, reference: str, *institution_ids: str) -> None:
    """Routing's decision for these institutions, once intake has learned it."""
    await learned(
        app,
        bus,
        routed(reference, *institution_ids),
        lambda record: record.competent_institution_ids == sorted(institution_ids),
    )


async def test_staff_of_the_competent_institution_read_the_complaint_and_are_audited(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    await decided(app, bus, reference, "ma-cndh", "ma-mediateur")

    read = await client.get(
        f"/internal/complaints/{reference}",
        headers=internal_headers(app.state.data_dir, staff("ma-mediateur", "mediateur-agent-7")),
    )

    assert read.status_code == 200
    complaint_read = read.json()
    assert complaint_read["description"] == MARKERS["description"]
    assert complaint_read["identity"]["email"] == MARKERS["email"]
    assert complaint_read["respondent_name"] == MARKERS["respondent"]
    assert complaint_read["competent_institution_ids"] == ["ma-cndh", "ma-mediateur"]
    entries = await audit_log(app)
    assert [(e.action, e.actor_client_id, e.actor_institution_id, e.detail) for e in entries] == [
        ("read-personal-data", "mediateur-agent-7", "ma-mediateur", None)
    ]


async def test_no_one_else_reads_the_complaint_and_every_attempt_is_audited(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    await decided(app, bus, reference, "ma-mediateur")
    ngo = Principal(client_id="ngo-1", kind="ngo", scopes=frozenset({"cases:read"}))

    other = await read_as(client, app, reference, "ma-cndh")
    unknown = await read_as(client, app, "NWD-0000000000AA", "ma-mediateur")
    not_an_institution = await client.get(
        f"/internal/complaints/{reference}", headers=internal_headers(app.state.data_dir, ngo)
    )
    public = await client.get(f"/internal/complaints/{reference}")

    assert other.status_code == unknown.status_code == not_an_institution.status_code == 404
    assert other.json() == unknown.json() == not_an_institution.json()
    assert MARKERS["description"] not in other.text
    assert public.status_code == 403
    entries = await audit_log(app)
    assert [(e.actor_client_id, e.reference, e.detail) for e in entries] == [
        ("ma-cndh-staff", reference, "refused: not competent for this complaint"),
        ("ma-mediateur-staff", "NWD-0000000000AA", "refused: not competent for this complaint"),
        ("ngo-1", reference, "refused: not competent for this complaint"),
    ]


def waiters_of(app: FastAPI) -> DecisionWaiters:
    waiters: DecisionWaiters = app.state.decision_waiters
    return waiters


@pytest.mark.parametrize("decision_wait", [30.0])
async def test_a_read_answers_as_soon_as_the_decision_on_its_way_is_committed(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    loop = asyncio.get_running_loop()
    started = loop.time()
    pending = asyncio.create_task(read_as(client, app, reference, "ma-mediateur"))

    async def waiting() -> bool:
        return waiters_of(app).waiting == 1

    await eventually(waiting)
    assert not pending.done()
    await publish(bus, routed(reference, "ma-mediateur"), reference)
    read = await pending

    assert read.status_code == 200, read.text
    assert read.json()["description"] == MARKERS["description"]
    assert loop.time() - started < 10, "answered only when its 30 s wait ran out"
    assert waiters_of(app).waiting == 0


@pytest.mark.parametrize("decision_wait", [30.0])
async def test_a_read_by_an_institution_the_decision_left_out_is_refused_once_it_arrives(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    reference = (await file(client, complaint()))["reference"]
    loop = asyncio.get_running_loop()
    started = loop.time()
    pending = asyncio.create_task(read_as(client, app, reference, "ma-cndh"))

    async def waiting() -> bool:
        return waiters_of(app).waiting == 1

    await eventually(waiting)
    await publish(bus, routed(reference, "ma-mediateur"), reference)
    read = await pending

    assert read.status_code == 404
    assert loop.time() - started < 10, "answered only when its 30 s wait ran out"
    [entry] = await audit_log(app)
    assert entry.detail == "refused: not competent for this complaint"


@pytest.mark.parametrize("decision_wait", [0.5])
async def test_a_read_whose_decision_does_not_come_is_told_to_retry(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    reference = (await file(client, complaint()))["reference"]
    loop = asyncio.get_running_loop()
    started = loop.time()

    read = await read_as(client, app, reference, "ma-mediateur")

    took = loop.time() - started
    assert read.status_code == 409
    assert read.json()["type"] == "/problems/decision-pending"
    assert read.headers["retry-after"] == "1"
    assert 0.5 <= took < 3.5
    assert MARKERS["description"] not in read.text
    entries = await audit_log(app)
    assert [(e.actor_client_id, e.reference, e.detail) for e in entries] == [
        ("ma-mediateur-staff", reference, "refused: routing's decision still on its way"),
    ]


@pytest.mark.parametrize("decision_wait", [30.0])
async def test_only_an_institution_waits_for_a_decision(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    reference = (await file(client, complaint()))["reference"]
    ngo = Principal(client_id="ngo-1", kind="ngo", scopes=frozenset({"cases:read"}))
    loop = asyncio.get_running_loop()
    started = loop.time()

    read = await client.get(
        f"/internal/complaints/{reference}", headers=internal_headers(app.state.data_dir, ngo)
    )

    assert read.status_code == 404
    assert loop.time() - started < 10, "waited for a decision that could not let it in"


async def test_an_alert_an_ngo_relayed_names_the_ngo_and_only_the_identity_it_passed(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    relay = {
        "ngo_id": "fr-sherpa",
        "ngo_name": "Sherpa",
        "accreditation_id": "acc-" + "a" * 32,
        "accredited_by": "fr-hatvp",
    }

    def relayed(complainant: dict[str, Any]) -> dict[str, Any]:
        body = complaint(anonymous=True)
        body["submission"]["complainant"] = complainant
        return body | {"channel": "ngo", "relayed_by": relay}

    kept = await file(client, relayed({"role": "ngo", "anonymous": True}))
    passed = await file(client, relayed({"role": "ngo", "anonymous": False, "name": "Amina"}))
    kept_reference, passed_reference = kept["reference"], passed["reference"]
    for reference in (kept_reference, passed_reference):
        await decided(app, bus, reference, "fr-hatvp")

    anonymous = (await read_as(client, app, kept_reference, "fr-hatvp")).json()
    named = (await read_as(client, app, passed_reference, "fr-hatvp")).json()

    assert anonymous["relayed_by"] == named["relayed_by"] == relay
    assert (anonymous["channel"], anonymous["complainant_role"]) == ("ngo", "ngo")
    assert anonymous["identity"] is None or anonymous["identity"]["name"] is None
    assert named["identity"]["name"] == "Amina"
    async with app.state.runtime.sessions() as session:
        payloads = (
            await session.scalars(
                sa.select(col(OutboxMessage.payload)).where(
                    col(OutboxMessage.type) == "org.nowrongdoor.complaint.received.v1"
                )
            )
        ).all()
    facts = [json.loads(payload)["facts"] for payload in payloads]
    assert [f["relayed_by"] for f in facts] == [relay, relay]
    assert all("Amina" not in payload for payload in payloads)
