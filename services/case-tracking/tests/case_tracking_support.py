"""What case tracking's tests share: the events it hears, its callers, and reading back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import nats.js.errors
import sqlalchemy as sa
from fastapi import FastAPI

from case_tracking.models import OutboxMessage
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import (
    CompetentInstitution,
    ComplaintFacts,
    ComplaintReceived,
    ComplaintRouted,
    ComplaintTriageRequired,
    ServiceStandardsDays,
)
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from nowrongdoor.envelope import Envelope
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually, internal_headers

REFERENCE = "NWD-7K3M9QX2VD4H"
RECEIVED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
STANDARDS = ServiceStandardsDays(acknowledge_days=5, admissibility_days=10, resolve_days=60)

FACTS = ComplaintFacts(
    category="maladministration",
    respondent_type="local-authority",
    respondent_territory="MA-06",
    complainant_role="citizen",
    anonymous=True,
    administration_contacted=True,
    court_case_pending=False,
    language="fr",
    received_by=None,
    channel="web",
)

CaseTrackingEvent = ComplaintReceived | ComplaintRouted | ComplaintTriageRequired


class MovableClock:
    """The real time, moved on by as much as the test says."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def move(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def move_to(self, day: date) -> None:
        """Move on to the same time of day, on `day`."""
        self.offset += timedelta(days=(day - self().date()).days)


class SetClock:
    """The instant the test sets."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


# -- who calls -------------------------------------------------------------------------------


def institution(institution_id: str, *scopes: str) -> Principal:
    """An institution's client; reading only, unless scopes are named."""
    return Principal(
        client_id=f"{institution_id}-system",
        kind="institution",
        institution_id=institution_id,
        scopes=frozenset(scopes or {"cases:read"}),
    )


def staff(institution_id: str) -> Principal:
    """An institution's client that works its cases."""
    return institution(institution_id, "cases:read", "cases:write")


def complainant(reference: str) -> Principal:
    """The public, holding the receipt of `reference` as the gateway verified it."""
    return Principal.public().holding_receipt_for(reference)


@dataclass
class Caller:
    """Calls case tracking as one principal, signed as the gateway signs."""

    client: httpx.AsyncClient
    app: FastAPI
    principal: Principal

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return internal_headers(self.app.state.data_dir, self.principal) | (extra or {})

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.headers())

    async def post(
        self, path: str, body: dict[str, Any], *, if_match: str | None = None
    ) -> httpx.Response:
        extra = {"If-Match": if_match} if if_match is not None else None
        return await self.client.post(path, json=body, headers=self.headers(extra))

    async def read(self, reference: str) -> httpx.Response:
        return await self.get(f"/internal/cases/{reference}")

    async def step(self, reference: str, status: str, **change: Any) -> httpx.Response:
        """Read the case for its tag, then move this caller's part to `status`."""
        tag = (await self.read(reference)).headers.get("etag")
        return await self.post(
            f"/internal/cases/{reference}/status", {"status": status, **change}, if_match=tag
        )

    async def listed(self, institution_id: str, **filters: Any) -> list[str]:
        response = await self.get(
            "/internal/cases", institution_id=institution_id, limit=100, **filters
        )
        assert response.status_code == 200, response.text
        return [item["reference"] for item in response.json()["items"]]


# -- the events case tracking hears ----------------------------------------------------------


def competent(
    institution_id: str,
    role: str = "lead",
    *,
    standards: ServiceStandardsDays | None = STANDARDS,
    calendar: str | None = "MA",
) -> CompetentInstitution:
    return CompetentInstitution.model_validate(
        {
            "institution_id": institution_id,
            "name": f"Institution {institution_id}",
            "role": role,
            "service_standards": standards,
            "calendar": calendar,
        }
    )


def received(reference: str = REFERENCE, **facts: Any) -> ComplaintReceived:
    return ComplaintReceived(
        reference=reference,
        received_at=facts.pop("received_at", RECEIVED_AT),
        facts=FACTS.model_copy(update=facts),
    )


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
        "received_at": RECEIVED_AT,
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
        "outcome": RoutingOutcome.COMPETENT,
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
        "received_at": RECEIVED_AT,
        "decided_at": now,
    }
    fields.update(overrides)
    return ComplaintRouted(**fields)


async def publish(bus: Bus, event: CaseTrackingEvent) -> Envelope:
    envelope = Envelope.wrap(event, source="/tests", subject=event.reference)
    await bus.publish(envelope, event.subject)
    return envelope


async def open_case(
    client: httpx.AsyncClient,
    bus: Bus,
    lead: str,
    *others: str,
    facts: dict[str, Any] | None = None,
    standards: ServiceStandardsDays | None = STANDARDS,
) -> str:
    """A complaint received with `facts`, then routed to `lead` and `others`; its reference."""
    reference = new_reference()
    await publish(bus, received(reference, **(facts or {})))
    await eventually(lambda: _status_is(client, reference, "received"))
    event = routed(
        reference=reference,
        competent=[competent(lead, standards=standards)]
        + [competent(other, "associated", standards=standards) for other in others],
    )
    await publish(bus, event)
    await eventually(lambda: _status_is(client, reference, "routed"))
    return reference


async def _status_is(client: httpx.AsyncClient, reference: str, status: str) -> bool:
    response = await client.get(f"/internal/cases/{reference}")
    return response.status_code == 200 and response.json()["status"] == status


# -- reading back ----------------------------------------------------------------------------


async def case(client: httpx.AsyncClient, reference: str = REFERENCE) -> dict[str, Any] | None:
    response = await client.get(f"/internal/cases/{reference}")
    return response.json() if response.status_code == 200 else None


async def outbox(app: FastAPI, event_type: str) -> list[dict[str, Any]]:
    """The payloads of the events of `event_type` case tracking wrote, oldest first."""
    async with app.state.runtime.sessions() as session:
        messages = (
            await session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.type == event_type)  # type: ignore[arg-type]
                .order_by(OutboxMessage.created_at)  # type: ignore[arg-type]
            )
        ).all()
    return [json.loads(message.payload) for message in messages]


def event_type(subject: str) -> str:
    return f"org.nowrongdoor.{subject}.v1"


async def status_changes(app: FastAPI) -> list[dict[str, Any]]:
    return await outbox(app, event_type("case.status-changed"))


async def consumed(bus: Bus, event_subject: str, up_to: int) -> None:
    """Wait until case tracking's consumer of `event_subject` has handled the stream to `up_to`."""
    durable = f"case-tracking-{event_subject.replace('.', '-')}"

    async def settled() -> bool:
        try:
            info = await bus.js.consumer_info(bus.stream_name("COMPLAINTS"), durable)
        except nats.js.errors.NotFoundError:
            return False
        return bool(
            info.delivered.stream_seq >= up_to
            and info.num_pending == 0
            and info.num_ack_pending == 0
        )

    await eventually(settled)
