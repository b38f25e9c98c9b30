"""What intake's tests share: complaints to file, other services' events, staff, what is stored."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import col

from intake.models import SEALED_FIELDS, AuditEntry, Submission
from intake.service.submissions import store_complaint
from nowrongdoor import db
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import (
    CaseStatusChanged,
    CompetentInstitution,
    ComplaintRouted,
    ComplaintTriageRequired,
    Event,
)
from nowrongdoor.contracts.intake import ComplaintSubmission
from nowrongdoor.contracts.vocabulary import CaseStatus, DecidedOutcome, RoutingOutcome
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.envelope import Envelope
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually, internal_headers

Learned = ComplaintRouted | ComplaintTriageRequired | CaseStatusChanged

# Personal data that must never be found in clear where it is stored or announced.
MARKERS = {
    "description": "Canary-description-7Q2 the commune refused my birth certificate.",
    "name": "Canary-name-5XK",
    "email": "canary-mail-9ZT@example.org",
    "phone": "+212 611 223 344",
    "respondent": "Canary-respondent-3MM",
}


def complaint(**overrides: Any) -> dict[str, Any]:
    """An identified complaint about a commune, as the gateway hands it to intake."""
    submission = {
        "description": MARKERS["description"],
        "category": "maladministration",
        "respondent": {
            "name": MARKERS["respondent"],
            "type": "local-authority",
            "territory": "MA-06",
        },
        "complainant": {
            "role": "citizen",
            "anonymous": False,
            "name": MARKERS["name"],
            "email": MARKERS["email"],
            "phone": MARKERS["phone"],
        },
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
    }
    submission.update(overrides)
    return {"submission": submission, "channel": "web"}


async def file(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, str]:
    """File `body` with intake; its reference and receipt."""
    response = await client.post("/internal/complaints", json=body)
    assert response.status_code == 201, response.text
    accepted: dict[str, str] = response.json()
    return accepted


async def publish(bus: Bus, event: Event, reference: str) -> None:
    await bus.publish(Envelope.wrap(event, source="/tests", subject=reference), event.subject)


def routed(
    reference: str,
    *institution_ids: str,
    outcome: DecidedOutcome = RoutingOutcome.COMPETENT,
    decision_id: str | None = None,
) -> ComplaintRouted:
    """Routing's decision on `reference`: these institutions, the first one leading."""
    now = datetime.now(UTC)
    return ComplaintRouted(
        reference=reference,
        decision_id=decision_id or f"decision-{outcome}-{now.timestamp()}",
        registry_version="test",
        outcome=outcome,
        competent=[
            CompetentInstitution(
                institution_id=institution_id,
                name=institution_id,
                role="lead" if index == 0 else "associated",
            )
            for index, institution_id in enumerate(institution_ids)
        ],
        matched_rules=[],
        excluding_rules=[],
        advice=(
            "contact-administration-first"
            if outcome == RoutingOutcome.PREREQUISITE_MISSING
            else None
        ),
        language="fr",
        received_at=now,
        decided_at=now,
    )


def held(reference: str) -> ComplaintRouted:
    """Routing holds the complaint until the administration has been contacted."""
    return routed(reference, outcome=RoutingOutcome.PREREQUISITE_MISSING)


def triage_at(reference: str, institution_id: str) -> ComplaintTriageRequired:
    now = datetime.now(UTC)
    return ComplaintTriageRequired(
        reference=reference,
        decision_id="decision-triage",
        registry_version="test",
        triage_institution_id=institution_id,
        triage_institution_name=institution_id,
        reason="uncategorised",
        candidates=[],
        language="fr",
        received_at=now,
        decided_at=now,
    )


def status_changed(
    reference: str,
    status: CaseStatus,
    *institution_ids: str,
    at: datetime,
    previous: CaseStatus | None = None,
) -> CaseStatusChanged:
    return CaseStatusChanged(
        reference=reference,
        status=status,
        previous_status=previous,
        institution_ids=list(institution_ids),
        changed_at=at,
    )


async def submission(app: FastAPI, reference: str) -> Submission:
    sessions: db.SessionMaker = app.state.runtime.sessions
    async with sessions() as session:
        record = await session.get(Submission, reference)
    assert record is not None
    return record


async def learned(
    app: FastAPI, bus: Bus, event: Learned, shows: Callable[[Submission], bool]
) -> None:
    """Hand intake another service's event and wait until its record of the submission shows it."""
    await publish(bus, event, event.reference)

    async def recorded() -> bool:
        return shows(await submission(app, event.reference))

    await eventually(recorded)


async def audit_log(app: FastAPI) -> list[AuditEntry]:
    async with app.state.runtime.sessions() as session:
        return list(
            (await session.scalars(sa.select(AuditEntry).order_by(col(AuditEntry.id)))).all()
        )


def staff(institution_id: str, client_id: str | None = None) -> Principal:
    return Principal(
        client_id=client_id or f"{institution_id}-staff",
        kind="institution",
        institution_id=institution_id,
        scopes=frozenset({"cases:read"}),
    )


async def read_as(
    client: httpx.AsyncClient, app: FastAPI, reference: str, institution_id: str
) -> httpx.Response:
    """Staff of `institution_id` read the complaint."""
    return await client.get(
        f"/internal/complaints/{reference}",
        headers=internal_headers(app.state.data_dir, staff(institution_id)),
    )


# -- submissions written straight to a database, without a running intake ---------------------


def sealer_with(*pairs: tuple[str, bytes]) -> Sealer:
    """A sealer holding these keys, the first one active."""
    return Sealer(StaticKeys(keys=dict(pairs), active_key_id=pairs[0][0]))


def numbered_description(index: int) -> str:
    return f"Complaint number {index}: the office lost my file twice."


def numbered_submission(index: int, *, identified: bool) -> ComplaintSubmission:
    complainant: dict[str, Any] = {"role": "citizen", "anonymous": not identified}
    if identified:
        complainant |= {"name": f"Person {index}", "email": f"person{index}@example.org"}
    return ComplaintSubmission.model_validate(
        {
            "description": numbered_description(index),
            "category": "maladministration",
            "respondent": {
                "name": f"Office {index}",
                "type": "local-authority",
                "territory": "MA-01",
            },
            "complainant": complainant,
            "administration_contacted": True,
            "court_case_pending": False,
            "language": "fr",
        }
    )


async def store_complaints(
    sessions: db.SessionMaker,
    sealer: Sealer,
    count: int,
    *,
    prefix: str | None = None,
    identified: bool | None = None,
) -> list[str]:
    """`count` complaints, every other one identified unless `identified` says otherwise."""
    references = [
        f"{prefix}{index:0{16 - len(prefix)}d}" if prefix else new_reference()
        for index in range(count)
    ]
    async with db.unit_of_work(sessions) as session:
        for index, reference in enumerate(references):
            store_complaint(
                session,
                sealer,
                numbered_submission(
                    index, identified=index % 2 == 0 if identified is None else identified
                ),
                "web",
                reference=reference,
                receipt_hash="unused",
                received_at=datetime.now(UTC),
            )
    return references


async def sealed_key_ids(sessions: db.SessionMaker) -> list[str]:
    """The key id of every sealed value stored."""
    async with sessions() as session:
        records = (await session.scalars(sa.select(Submission))).all()
    return [
        Sealer.key_id_of(value)
        for record in records
        for value in (getattr(record, name) for name in SEALED_FIELDS)
        if value is not None
    ]
