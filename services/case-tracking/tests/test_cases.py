import json
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from case_tracking.models import OutboxMessage
from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.contracts.events import (
    CompetentInstitution,
    ComplaintRouted,
    ComplaintTriageRequired,
)
from nowrongdoor.testing.apps import eventually

REFERENCE = "NWD-7K3M9QX2VD4H"


def triage_required(**overrides: Any) -> ComplaintTriageRequired:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "decision_id": "d-2",
        "registry_version": "v1",
        "triage_institution_id": "ma-mediateur",
        "triage_institution_name": "Institution du Médiateur du Royaume",
        "reason": "two institutions rank equally",
        "candidates": ["ma-mediateur", "ma-cndh"],
        "language": "fr",
        "received_at": now,
        "decided_at": now,
    }
    fields.update(overrides)
    return ComplaintTriageRequired(**fields)


def routed(**overrides: Any) -> ComplaintRouted:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "decision_id": "d-1",
        "registry_version": "v1",
        "outcome": "competent",
        "competent": [
            CompetentInstitution(
                institution_id="ma-mediateur",
                name="Institution du Médiateur du Royaume",
                office_id="ma-mediateur-ma-06",
                office_name="Délégation régionale Casablanca-Settat",
                role="lead",
            )
        ],
        "received_by": None,
        "matched_rules": ["ma-mediateur/public-bodies"],
        "excluding_rules": [],
        "language": "fr",
        "received_at": now,
        "decided_at": now,
    }
    fields.update(overrides)
    return ComplaintRouted(**fields)


async def publish(bus: Bus, event: ComplaintRouted | ComplaintTriageRequired) -> Envelope:
    envelope = Envelope.wrap(event, source="/tests", subject=event.reference)
    await bus.publish(envelope, event.subject)
    return envelope


async def case(client: httpx.AsyncClient, reference: str = REFERENCE) -> dict[str, Any] | None:
    response = await client.get(f"/internal/cases/{reference}")
    return response.json() if response.status_code == 200 else None


async def test_a_routed_complaint_opens_a_case_at_the_competent_institution(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(bus, routed())

    view = await eventually(lambda: case(client))

    assert view["status"] == "routed"
    assert [i["institution_id"] for i in view["institutions"]] == ["ma-mediateur"]
    assert view["institutions"][0]["office_name"] == "Délégation régionale Casablanca-Settat"
    assert [entry["kind"] for entry in view["timeline"]] == ["received", "routed"]


async def test_a_redelivered_decision_opens_one_case_and_announces_it_once(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    envelope = await publish(bus, routed())
    # The same event again under another message id, as a redelivery would bring it.
    headers = envelope.headers() | {"Nats-Msg-Id": "redelivery-1"}
    await bus.js.publish(bus.subject_for("complaint.routed"), envelope.data, headers=headers)
    await eventually(lambda: case(client))

    async def both_consumed() -> bool:
        info = await bus.js.consumer_info(
            bus.stream_name("COMPLAINTS"), "case-tracking-complaint-routed"
        )
        return bool(info.num_pending == 0 and info.num_ack_pending == 0)

    await eventually(both_consumed)
    view = await case(client)
    assert view is not None
    assert [entry["kind"] for entry in view["timeline"]] == ["received", "routed"]
    async with app.state.runtime.sessions() as session:
        opened = (
            await session.scalars(
                sa.select(OutboxMessage).where(
                    OutboxMessage.type == "org.nowrongdoor.case.opened.v1"  # type: ignore[arg-type]
                )
            )
        ).all()
    assert len(opened) == 1


async def test_a_joint_case_has_one_reference_and_a_part_per_institution(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(
        bus,
        routed(
            competent=[
                CompetentInstitution(institution_id="ma-inpplc", name="INPPLC", role="lead"),
                CompetentInstitution(
                    institution_id="ma-mediateur", name="Médiateur", role="associated"
                ),
            ]
        ),
    )

    view = await eventually(lambda: case(client))

    assert [(i["institution_id"], i["role"]) for i in view["institutions"]] == [
        ("ma-inpplc", "lead"),
        ("ma-mediateur", "associated"),
    ]


async def test_a_complaint_that_came_through_the_wrong_door_says_where_it_went(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(bus, routed(received_by="ma-cndh", received_by_name="CNDH"))

    view = await eventually(lambda: case(client))

    assert view["timeline"][0]["summary"] == "Received by CNDH"
    assert view["timeline"][1]["summary"].startswith("Transferred from CNDH to ")


async def test_advice_without_a_case_when_nobody_is_competent(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(
        bus,
        routed(
            outcome="not-competent",
            competent=[],
            advice="civil-court",
            explanation="No institution in this network can take this complaint.",
        ),
    )

    view = await eventually(lambda: case(client))

    assert view["status"] == "closed"
    assert view["advice"] == "civil-court"
    assert view["explanation"] == "No institution in this network can take this complaint."
    assert view["institutions"] == []


async def test_triage_holds_the_case_at_the_receiving_institution(
    client: httpx.AsyncClient, bus: Bus
) -> None:
    await publish(
        bus,
        triage_required(language="ar"),
    )

    view = await eventually(lambda: case(client))

    assert view["status"] == "triage"
    assert view["timeline"][-1]["summary"] == (
        "Awaiting a decision on competence by Institution du Médiateur du Royaume"
    )


async def test_an_unknown_reference_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/cases/NWD-0000000000AA")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def status_changes(app: FastAPI) -> list[dict[str, Any]]:
    async with app.state.runtime.sessions() as session:
        messages = (
            await session.scalars(
                sa.select(OutboxMessage)
                .where(
                    OutboxMessage.type == "org.nowrongdoor.case.status-changed.v1"  # type: ignore[arg-type]
                )
                .order_by(OutboxMessage.created_at)  # type: ignore[arg-type]
            )
        ).all()
    return [json.loads(message.payload) for message in messages]


async def test_a_routed_case_announces_its_status_with_the_institutions(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await publish(
        bus,
        routed(
            competent=[
                CompetentInstitution(institution_id="ma-inpplc", name="INPPLC", role="lead"),
                CompetentInstitution(institution_id="ma-cndh", name="CNDH", role="associated"),
            ]
        ),
    )

    changes = await eventually(lambda: status_changes(app))

    assert len(changes) == 1
    assert changes[0]["reference"] == REFERENCE
    assert changes[0]["status"] == "routed"
    assert changes[0]["previous_status"] is None
    assert changes[0]["institution_ids"] == ["ma-inpplc", "ma-cndh"]


async def test_advice_opens_a_closed_case_and_announces_it_as_closed(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await publish(bus, routed(outcome="not-competent", competent=[], advice="civil-court"))

    changes = await eventually(lambda: status_changes(app))

    assert [(c["previous_status"], c["status"]) for c in changes] == [(None, "closed")]
    assert changes[0]["institution_ids"] == []
    assert set(changes[0]) == {
        "reference",
        "status",
        "previous_status",
        "institution_ids",
        "changed_at",
    }


async def test_a_triaged_case_announces_triage_then_the_decision(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await publish(
        bus,
        triage_required(language="fr"),
    )
    await eventually(lambda: status_changes(app))
    await publish(bus, routed())

    async def two_changes() -> list[dict[str, Any]] | None:
        changes = await status_changes(app)
        return changes if len(changes) == 2 else None

    changes = await eventually(two_changes)

    assert [(c["previous_status"], c["status"]) for c in changes] == [
        (None, "triage"),
        ("triage", "routed"),
    ]
    assert changes[1]["institution_ids"] == ["ma-mediateur"]
