"""Coming back under the same reference once a missing prerequisite is met."""

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from intake.models import OutboxMessage, Submission
from nowrongdoor.bus import Bus, Envelope
from nowrongdoor.events import CaseStatusChanged
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


async def held_for_prerequisite(app: FastAPI, bus: Bus, reference: str) -> None:
    event = CaseStatusChanged(
        reference=reference,
        status="inadmissible",
        previous_status=None,
        institution_ids=[],
        changed_at=datetime.now(UTC),
    )
    await bus.publish(Envelope.wrap(event, source="/tests", subject=reference), event.subject)

    async def recorded() -> bool:
        async with app.state.runtime.sessions() as session:
            record = await session.get(Submission, reference)
        return record is not None and record.case_status == "inadmissible"

    await eventually(recorded)


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


async def test_a_case_not_held_cannot_be_resubmitted(client: httpx.AsyncClient) -> None:
    accepted = await filed(client)

    response = await client.post(
        f"/internal/complaints/{accepted['reference']}/resubmission", json=resubmission(accepted)
    )

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/not-waiting-for-prerequisite"


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
