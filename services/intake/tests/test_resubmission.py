"""Coming back under the same reference once a missing prerequisite is met."""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from intake.models import OutboxMessage, Submission
from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.contracts.events import CaseStatusChanged, ComplaintRouted
from nowrongdoor.testing.apps import eventually

SUBMISSION: dict[str, Any] = {
    "description": "The commune has not answered my request for five months.",
    "category": "maladministration",
    "respondent": {"name": "Commune", "type": "local-authority", "territory": "MA-06"},
    "complainant": {"role": "citizen", "anonymous": True},
    "administration_contacted": False,
    "court_case_pending": False,
    "language": "fr",
}


async def filed(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(
        "/internal/complaints", json={"submission": SUBMISSION, "channel": "web"}
    )
    accepted: dict[str, str] = response.json()
    return accepted


def decided(
    reference: str, outcome: Literal["competent", "prerequisite-missing"]
) -> ComplaintRouted:
    now = datetime.now(UTC)
    return ComplaintRouted(
        reference=reference,
        decision_id=f"decision-{outcome}-{now.timestamp()}",
        registry_version="test",
        outcome=outcome,
        competent=[],
        matched_rules=[],
        excluding_rules=[],
        advice="contact-administration-first" if outcome == "prerequisite-missing" else None,
        language="fr",
        received_at=now,
        decided_at=now,
    )


Learned = ComplaintRouted | CaseStatusChanged


async def publish(bus: Bus, event: Learned) -> None:
    await bus.publish(Envelope.wrap(event, source="/tests", subject=event.reference), event.subject)


async def learned(
    app: FastAPI, bus: Bus, event: Learned, shows: Callable[[Submission], bool]
) -> None:
    """Hand intake another service's event and wait until its record of the submission shows it."""
    await publish(bus, event)

    async def recorded() -> bool:
        async with app.state.runtime.sessions() as session:
            record = await session.get(Submission, event.reference)
        return record is not None and shows(record)

    await eventually(recorded)


async def held_for_prerequisite(app: FastAPI, bus: Bus, reference: str) -> None:
    await learned(
        app,
        bus,
        decided(reference, "prerequisite-missing"),
        lambda record: record.decision_outcome == "prerequisite-missing",
    )


def resubmission(accepted: dict[str, str], **overrides: Any) -> dict[str, Any]:
    return {
        "reference": accepted["reference"],
        "receipt": accepted["receipt"],
        "administration_contacted": True,
    } | overrides


async def test_a_held_complaint_is_announced_again_with_the_step_met(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await filed(client)
    await held_for_prerequisite(app, bus, accepted["reference"])

    response = await client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission", json=resubmission(accepted)
    )

    assert response.status_code == 200
    async with app.state.runtime.sessions() as session:
        announced = (
            await session.scalars(
                sa.select(OutboxMessage).where(
                    OutboxMessage.type == "org.nowrongdoor.complaint.resubmitted.v1"  # type: ignore[arg-type]
                )
            )
        ).all()
    assert len(announced) == 1
    assert json.loads(announced[0].payload)["facts"]["administration_contacted"] is True


async def test_a_routed_case_cannot_be_resubmitted(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await filed(client)
    await learned(
        app,
        bus,
        decided(accepted["reference"], "competent"),
        lambda record: record.decision_outcome == "competent",
    )

    response = await client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission", json=resubmission(accepted)
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/not-waiting-for-prerequisite"


async def test_a_closed_case_cannot_be_resubmitted(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await filed(client)
    await held_for_prerequisite(app, bus, accepted["reference"])
    closed = CaseStatusChanged(
        reference=accepted["reference"],
        status="closed",
        previous_status="inadmissible",
        institution_ids=[],
        changed_at=datetime.now(UTC),
    )
    await learned(app, bus, closed, lambda record: record.case_status == "closed")

    response = await client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission", json=resubmission(accepted)
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/not-waiting-for-prerequisite"


async def test_a_resubmission_waits_for_a_decision_on_its_way(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await filed(client)

    async def decision_arrives_late() -> None:
        await asyncio.sleep(0.5)
        await publish(bus, decided(accepted["reference"], "prerequisite-missing"))

    late = asyncio.create_task(decision_arrives_late())
    response = await client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission", json=resubmission(accepted)
    )
    await late

    assert response.status_code == 200, response.text


async def test_without_a_decision_the_answer_says_it_is_pending(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    app.state.decision_wait = 0.3
    accepted = await filed(client)

    response = await client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission", json=resubmission(accepted)
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/decision-pending"


async def test_a_second_resubmission_waits_for_the_new_decision(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    app.state.decision_wait = 0.3
    accepted = await filed(client)
    await held_for_prerequisite(app, bus, accepted["reference"])
    path = f"/internal/complaints/{accepted['reference']}/resubmission"

    first = await client.post(path, json=resubmission(accepted))
    second = await client.post(path, json=resubmission(accepted))

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["type"] == "/problems/decision-pending"


async def test_a_wrong_receipt_resubmits_nothing(
    client: httpx.AsyncClient, app: FastAPI, bus: Bus
) -> None:
    accepted = await filed(client)
    await held_for_prerequisite(app, bus, accepted["reference"])
    wrong = str((int(accepted["receipt"]) + 1) % 10**16).zfill(16)

    response = await client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission",
        json=resubmission(accepted, receipt=wrong),
    )

    assert response.status_code == 404
    async with app.state.runtime.sessions() as session:
        record = await session.get(Submission, accepted["reference"])
    assert record is not None
    assert record.administration_contacted is False
