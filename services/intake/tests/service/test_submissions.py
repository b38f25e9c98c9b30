"""Taking complaints in: accepting, checking a receipt, coming back with the missing step met."""

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import col

from intake.domain.decisions import RESUBMITTED
from intake.models import OutboxMessage, Submission
from intake.service.decisions import DecisionWaiters
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.vocabulary import CaseStatus, RoutingOutcome
from nowrongdoor.ids import is_receipt, is_reference
from nowrongdoor.testing.apps import eventually

from ..support import (
    MARKERS,
    complaint,
    file,
    held,
    learned,
    publish,
    routed,
    status_changed,
    submission,
)

# -- accepting a complaint -------------------------------------------------------------------


async def test_a_complaint_is_accepted_with_a_reference_and_a_receipt(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/internal/complaints", json=complaint())

    assert response.status_code == 201
    body = response.json()
    assert is_reference(body["reference"])
    assert is_receipt(body["receipt"])


async def test_personal_data_is_stored_only_sealed_and_the_event_carries_only_facts(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    accepted = await file(client, complaint())

    async with app.state.runtime.sessions() as session:
        rows = (await session.execute(sa.text("SELECT * FROM submissions"))).mappings().all()
        outbox = (
            await session.scalars(sa.select(OutboxMessage).order_by(col(OutboxMessage.created_at)))
        ).all()
    stored = json.dumps([dict(row) for row in rows], default=str)
    for marker in MARKERS.values():
        assert marker not in stored
    assert accepted["receipt"] not in stored
    # The addresses go first, sealed for notifications; then the complaint's facts.
    assert [message.type for message in outbox] == [
        "org.nowrongdoor.complaint.contact-changed.v1",
        "org.nowrongdoor.complaint.received.v1",
    ]
    assert {message.event_subject for message in outbox} == {accepted["reference"]}
    payload = json.loads(outbox[1].payload)
    assert payload["facts"]["respondent_territory"] == "MA-06"
    for marker in MARKERS.values():
        assert all(marker not in message.payload for message in outbox)


async def test_the_sealed_description_opens_with_the_service_key(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    reference = (await file(client, complaint()))["reference"]

    record = await submission(app, reference)
    assert record.sealed_description is not None
    opened = app.state.sealer.open(record.sealed_description, f"{reference}/description")
    assert opened == MARKERS["description"]


# -- checking a receipt ----------------------------------------------------------------------


async def test_the_receipt_opens_its_own_reference_only(client: httpx.AsyncClient) -> None:
    first = await file(client, complaint())
    second = await file(client, complaint())

    right = await client.post(
        "/internal/receipts/check",
        json={"reference": first["reference"], "receipt": first["receipt"]},
    )
    crossed = await client.post(
        "/internal/receipts/check",
        json={"reference": first["reference"], "receipt": second["receipt"]},
    )
    unknown = await client.post(
        "/internal/receipts/check",
        json={"reference": "NWD-0000000000AA", "receipt": first["receipt"]},
    )

    assert right.status_code == 200
    assert right.json()["reference"] == first["reference"]
    assert crossed.status_code == unknown.status_code == 404
    assert crossed.json() == unknown.json()


# -- resubmitting once the administration has been contacted ----------------------------------


def anonymous_not_yet_contacted() -> dict[str, Any]:
    return complaint(
        description="The commune has not answered my request for five months.",
        complainant={"role": "citizen", "anonymous": True},
        administration_contacted=False,
    )


def resubmission(accepted: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return {
        "reference": accepted["reference"],
        "receipt": accepted["receipt"],
        "administration_contacted": True,
    } | overrides


def resubmit(client: httpx.AsyncClient, accepted: dict[str, str], **overrides: Any) -> Any:
    return client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission",
        json=resubmission(accepted, **overrides),
    )


async def held_for_prerequisite(app: FastAPI, bus: Bus, reference: str) -> None:
    await learned(
        app,
        bus,
        held(reference),
        lambda record: record.decision_outcome == RoutingOutcome.PREREQUISITE_MISSING,
    )


def waiters_of(app: FastAPI) -> DecisionWaiters:
    waiters: DecisionWaiters = app.state.decision_waiters
    return waiters


async def resubmitted_events(app: FastAPI) -> list[OutboxMessage]:
    async with app.state.runtime.sessions() as session:
        return list(
            (
                await session.scalars(
                    sa.select(OutboxMessage).where(
                        OutboxMessage.type == "org.nowrongdoor.complaint.resubmitted.v1"  # type: ignore[arg-type]
                    )
                )
            ).all()
        )


async def test_a_held_complaint_is_announced_again_with_the_step_met(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    await held_for_prerequisite(app, bus, accepted["reference"])

    response = await resubmit(client, accepted)

    assert response.status_code == 200
    announced = await resubmitted_events(app)
    assert len(announced) == 1
    assert json.loads(announced[0].payload)["facts"]["administration_contacted"] is True
    record = await submission(app, accepted["reference"])
    assert (record.case_status, record.decision_outcome) == (RESUBMITTED, None)


async def test_a_routed_case_cannot_be_resubmitted(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    await learned(
        app,
        bus,
        routed(accepted["reference"]),
        lambda record: record.decision_outcome == RoutingOutcome.COMPETENT,
    )

    response = await resubmit(client, accepted)

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/not-waiting-for-prerequisite"
    assert "retry-after" not in response.headers
    assert await resubmitted_events(app) == []


async def test_a_closed_case_cannot_be_resubmitted(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    await held_for_prerequisite(app, bus, accepted["reference"])
    closed = status_changed(
        accepted["reference"],
        CaseStatus.CLOSED,
        previous=CaseStatus.INADMISSIBLE,
        at=datetime.now(UTC),
    )
    await learned(app, bus, closed, lambda record: record.case_status == CaseStatus.CLOSED)

    response = await resubmit(client, accepted)

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/not-waiting-for-prerequisite"


@pytest.mark.parametrize("decision_wait", [30.0])
async def test_a_decision_already_known_is_not_waited_for(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    await held_for_prerequisite(app, bus, accepted["reference"])
    loop = asyncio.get_running_loop()
    started = loop.time()

    response = await resubmit(client, accepted)

    assert response.status_code == 200
    assert loop.time() - started < 10, "answered only when its 30 s wait ran out"


@pytest.mark.parametrize("decision_wait", [30.0])
async def test_a_resubmission_answers_as_soon_as_the_decision_on_its_way_is_committed(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    loop = asyncio.get_running_loop()
    started = loop.time()
    pending = asyncio.create_task(resubmit(client, accepted))

    async def waiting() -> bool:
        return waiters_of(app).waiting == 1

    await eventually(waiting)
    assert not pending.done()
    await publish(bus, held(accepted["reference"]), accepted["reference"])
    response = await pending

    assert response.status_code == 200, response.text
    assert loop.time() - started < 10, "answered only when its 30 s wait ran out"
    assert len(await resubmitted_events(app)) == 1
    assert waiters_of(app).waiting == 0


@pytest.mark.parametrize("decision_wait", [0.5])
async def test_without_a_decision_the_answer_says_it_is_pending_once_the_wait_is_over(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    loop = asyncio.get_running_loop()
    started = loop.time()

    response = await resubmit(client, accepted)

    took = loop.time() - started
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/decision-pending"
    assert response.headers["retry-after"] == "1"
    assert 0.5 <= took < 3.5
    assert await resubmitted_events(app) == []


@pytest.mark.parametrize("decision_wait", [0.3])
async def test_a_second_resubmission_waits_for_the_new_decision(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    await held_for_prerequisite(app, bus, accepted["reference"])

    first = await resubmit(client, accepted)
    second = await resubmit(client, accepted)

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["type"] == "/problems/decision-pending"
    assert second.headers["retry-after"] == "1"
    assert len(await resubmitted_events(app)) == 1


async def test_a_wrong_receipt_resubmits_nothing(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await file(client, anonymous_not_yet_contacted())
    await held_for_prerequisite(app, bus, accepted["reference"])
    wrong = str((int(accepted["receipt"]) + 1) % 10**16).zfill(16)

    response = await resubmit(client, accepted, receipt=wrong)

    assert response.status_code == 404
    record: Submission = await submission(app, accepted["reference"])
    assert record.administration_contacted is False
    assert await resubmitted_events(app) == []
