"""One routing service per test, on real NATS and a real database, and ways to speak to it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from accreditation_support import Clock
from fastapi import FastAPI
from nats.js.errors import NotFoundError

from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import ComplaintFacts, ComplaintReceived
from nowrongdoor.envelope import Envelope
from nowrongdoor.ids import new_reference
from nowrongdoor.testing.apps import eventually, internal_headers, running
from routing.app import create_app
from routing.settings import RoutingSettings


@pytest.fixture
def settings(service_environment: dict[str, Any]) -> RoutingSettings:
    return RoutingSettings(**service_environment)


@pytest.fixture
def app(settings: RoutingSettings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Routing, called by the gateway on behalf of the anonymous public."""
    async with running(app, internal_headers(app.state.data_dir)) as client:
        yield client


@pytest.fixture
def headers_for(tmp_path: Path) -> Callable[..., dict[str, str]]:
    """What the gateway sends inward for an API client of this kind, institution and scopes."""

    def headers(
        kind: Any = "institution", institution_id: str | None = None, *scopes: str
    ) -> dict[str, str]:
        principal = Principal(
            client_id=f"nwdc_{kind}_{institution_id or 'platform'}",
            kind=kind,
            institution_id=institution_id,
            scopes=frozenset(scopes),
        )
        return internal_headers(tmp_path, principal)

    return headers


@pytest.fixture
def hatvp(headers_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    """The HATVP's client, which publishes criteria and decides on accreditations."""
    return headers_for("institution", "fr-hatvp", "accreditations:read", "accreditations:write")


@pytest.fixture
def sherpa(headers_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    """Sherpa's client, an NGO applying for accreditation."""
    return headers_for("ngo", "fr-sherpa", "accreditations:read", "accreditations:write")


@pytest.fixture
def received() -> Callable[..., ComplaintReceived]:
    """A complaint as intake announces it: maladministration by a commune in Casablanca-Settat."""

    def make(**facts: Any) -> ComplaintReceived:
        base: dict[str, Any] = {
            "category": "maladministration",
            "respondent_type": "local-authority",
            "respondent_territory": "MA-06",
            "complainant_role": "citizen",
            "anonymous": True,
            "administration_contacted": True,
            "court_case_pending": False,
            "language": "fr",
            "channel": "web",
        }
        return ComplaintReceived(
            reference=new_reference(),
            received_at=datetime.now(UTC),
            facts=ComplaintFacts(**(base | facts)),
        )

    return make


@pytest.fixture
def decide_over_the_bus(
    app: FastAPI, client: httpx.AsyncClient, received: Callable[..., ComplaintReceived]
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Publish a received complaint as intake would; wait for routing's current decision on it."""

    async def decide(event: ComplaintReceived | None = None, **facts: Any) -> dict[str, Any]:
        event = event or received(**facts)
        bus: Bus = app.state.runtime.bus
        await bus.publish(
            Envelope.wrap(event, source="/tests", subject=event.reference), event.subject
        )

        async def decided() -> dict[str, Any] | None:
            response = await client.get(f"/internal/decisions/{event.reference}")
            return response.json() if response.status_code == 200 else None

        return await eventually(decided)

    return decide


@pytest.fixture
def last_event(app: FastAPI) -> Callable[[str], Awaitable[Envelope | None]]:
    """The last event routing published on a subject; None while its relay has published none."""

    async def last(subject: str) -> Envelope | None:
        bus: Bus = app.state.runtime.bus
        try:
            message = await bus.js.get_last_msg(
                bus.stream_name("COMPLAINTS"), bus.subject_for(subject)
            )
        except NotFoundError:
            return None
        return Envelope.from_wire(message.headers, message.data or b"")

    return last


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    """The time routing's API reads, moved on by the test."""
    clock = Clock()
    app.state.clock = clock
    return clock
