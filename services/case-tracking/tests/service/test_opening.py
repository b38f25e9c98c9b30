"""What intake's and routing's events open, read back as callers see them."""

from typing import Any

import httpx
from case_tracking_support import (
    REFERENCE,
    case,
    consumed,
    outbox,
    publish,
    received,
    routed,
    status_changes,
    triage_required,
)
from fastapi import FastAPI

from case_tracking import repository
from case_tracking.domain import timeline
from case_tracking.service import opening
from case_tracking.service.recording import told
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CompetentInstitution
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually


async def redeliver(bus: Bus, envelope: Envelope, event_subject: str) -> int:
    """The same event again under another message id, as a redelivery would bring it."""
    headers = envelope.headers() | {"Nats-Msg-Id": f"redelivery-of-{envelope.id}"}
    ack = await bus.js.publish(bus.subject_for(event_subject), envelope.data, headers=headers)
    return ack.seq


async def case_in(client: httpx.AsyncClient, status: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        view = await case(client)
        return view if view is not None and view["status"] == status else None

    return await eventually(reached)


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
    last = await redeliver(bus, envelope, "complaint.routed")

    await consumed(bus, "complaint.routed", up_to=last)

    view = await case(client)
    assert view is not None
    assert [entry["kind"] for entry in view["timeline"]] == ["received", "routed"]
    assert len(await outbox(app, "org.nowrongdoor.case.opened.v1")) == 1


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
            outcome=RoutingOutcome.NOT_COMPETENT,
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
    await publish(bus, triage_required(language="ar"))

    view = await eventually(lambda: case(client))

    assert view["status"] == "triage"
    assert view["timeline"][-1]["summary"] == (
        "Awaiting a decision on competence by Institution du Médiateur du Royaume"
    )


async def test_an_unknown_reference_is_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/internal/cases/NWD-0000000000AA")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


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
    await publish(
        bus, routed(outcome=RoutingOutcome.NOT_COMPETENT, competent=[], advice="civil-court")
    )

    changes = await eventually(lambda: status_changes(app))

    assert [(c["previous_status"], c["status"]) for c in changes] == [(None, "closed")]
    assert changes[0]["institution_ids"] == []
    assert changes[0]["promised"] == []  # closed with advice: nobody promises anything
    assert set(changes[0]) == {
        "reference",
        "status",
        "previous_status",
        "institution_ids",
        "changed_at",
        "promised",
    }


async def test_a_triaged_case_announces_triage_then_the_decision(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await publish(bus, triage_required(language="fr"))
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


async def test_a_received_complaint_is_routed_on_with_one_received_entry(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await publish(bus, received(received_by="ma-cndh"))
    await case_in(client, "received")
    await publish(bus, routed(received_by="ma-cndh", received_by_name="CNDH"))

    view = await case_in(client, "routed")

    assert [entry["kind"] for entry in view["timeline"]] == ["received", "routed"]
    # The decision names the door in the complainant's language, as when it opens the case.
    assert view["timeline"][0]["summary"] == "Received by CNDH"
    assert [i["institution_id"] for i in view["institutions"]] == ["ma-mediateur"]
    assert [(c["previous_status"], c["status"]) for c in await status_changes(app)] == [
        (None, "received"),
        ("received", "routed"),
    ]
    assert len(await outbox(app, "org.nowrongdoor.case.opened.v1")) == 1


def test_the_stored_received_entry_is_retold_in_every_column_that_tells_it() -> None:
    # The retelling's UPDATE is built once for these columns; one `told` adds would be dropped
    # from a stored entry while a waiting row took it.
    assert set(told(timeline.received("CNDH"))) == set(repository.TOLD_COLUMNS)


async def test_a_complaint_received_after_its_decision_changes_nothing(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await publish(bus, routed(received_by="ma-cndh", received_by_name="CNDH"))
    before = await case_in(client, "routed")
    late = received(received_by="ma-cndh")
    ack = await bus.publish(Envelope.wrap(late, source="/tests", subject=REFERENCE), late.subject)

    await consumed(bus, "complaint.received", up_to=ack.seq)

    assert await case(client) == before
    assert [entry["kind"] for entry in before["timeline"]] == ["received", "routed"]
    assert [(c["previous_status"], c["status"]) for c in await status_changes(app)] == [
        (None, "routed")
    ]


async def test_a_received_complaint_held_for_triage_keeps_one_received_entry(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    await publish(bus, received())
    await case_in(client, "received")
    await publish(bus, triage_required())

    view = await case_in(client, "triage")

    assert [entry["kind"] for entry in view["timeline"]] == ["received", "triage"]
    assert view["timeline"][0]["summary"] == "Received by Institution du Médiateur du Royaume"
    assert [(c["previous_status"], c["status"]) for c in await status_changes(app)] == [
        (None, "received"),
        ("received", "triage"),
    ]


async def test_a_redelivered_complaint_received_changes_nothing(
    client: httpx.AsyncClient, bus: Bus, app: FastAPI
) -> None:
    envelope = await publish(bus, received())
    first = await case_in(client, "received")
    last = await redeliver(bus, envelope, "complaint.received")

    await consumed(bus, "complaint.received", up_to=last)

    assert await case(client) == first
    assert [entry["kind"] for entry in first["timeline"]] == ["received"]
    assert len(await status_changes(app)) == 1


async def test_a_decision_in_the_transaction_that_received_the_complaint_names_the_door(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # The received entry still waits for the commit when the decision names the door in it.
    async with app.state.runtime.transaction() as session:
        await opening.receive_complaint(session, received(received_by="ma-cndh"), "e-1")
        await opening.open_from_decision(
            session, routed(received_by="ma-cndh", received_by_name="CNDH"), "e-2"
        )

    view = await case_in(client, "routed")

    assert [entry["kind"] for entry in view["timeline"]] == ["received", "routed"]
    assert view["timeline"][0]["summary"] == "Received by CNDH"
    assert [i["institution_id"] for i in view["institutions"]] == ["ma-mediateur"]
