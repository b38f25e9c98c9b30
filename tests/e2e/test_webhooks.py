"""An institution registers a webhook through the gateway and receives its cases, signed; killing
the notifications process mid-burst loses no delivery."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from nowrongdoor.testing.apps import eventually

from .conftest import Platform
from .test_complaint_to_case import complaint, file, follow_until

OPENED = "org.nowrongdoor.case.opened.v1"
BURST = 20


@dataclass
class Arrival:
    headers: dict[str, str]
    body: str

    @property
    def reference(self) -> str:
        reference: str = json.loads(self.body)["data"]["reference"]
        return reference


@dataclass
class Receiver:
    """An institution's webhook receiver on loopback: keeps every whole request, answers 204."""

    arrivals: list[Arrival] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender died mid-request (a test kills it): nothing was delivered, as
                    # any receiver would judge a body cut short.
                    return
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.arrivals.append(Arrival(headers, body.decode()))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/nowrongdoor"

    def for_references(self, references: set[str]) -> list[Arrival]:
        return [a for a in list(self.arrivals) if a.reference in references]


@dataclass
class Endpoint:
    id: str
    secret: str
    headers: dict[str, str]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    assert receiver.server is not None
    receiver.server.shutdown()


@pytest.fixture
async def endpoint(
    platform: Platform, gateway: httpx.AsyncClient, receiver: Receiver
) -> AsyncIterator[Endpoint]:
    """The mediator's case system, registered through the gateway with the operator's client."""
    client_id, secret = platform.create_client(
        "institution", "ma-mediateur", "cases:read", "cases:write"
    )
    token = await gateway.post(
        "/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    created = await gateway.post(
        "/v1/webhooks",
        json={"url": receiver.url, "event_types": [OPENED], "description": "Case system"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    registered = Endpoint(created.json()["id"], created.json()["secret"], headers)
    yield registered
    # Other tests file complaints for the same institution: stop calling a receiver that is gone.
    await gateway.delete(f"/v1/webhooks/{registered.id}", headers=headers)


async def test_a_complaint_for_the_institution_reaches_its_webhook_signed(
    gateway: httpx.AsyncClient, endpoint: Endpoint, receiver: Receiver
) -> None:
    accepted = await file(gateway, complaint())
    await follow_until(gateway, accepted, "routed")

    async def arrived() -> list[Arrival]:
        return receiver.for_references({accepted["reference"]})

    [arrival] = await eventually(arrived, timeout=30)

    payload = Webhook(endpoint.secret).verify(arrival.body, arrival.headers)
    assert payload["type"] == OPENED
    assert payload["data"]["reference"] == accepted["reference"]
    assert payload["data"]["links"]["case"].endswith(f"/v1/cases/{accepted['reference']}")
    # Nothing the complainant wrote travels in a webhook.
    assert "birth certificate" not in arrival.body

    # The receiver holds the call before the sender has recorded its answer: wait for the record.
    async def recorded() -> str | None:
        log = await gateway.get(f"/v1/webhooks/{endpoint.id}/deliveries", headers=endpoint.headers)
        logged = {d["id"]: d for d in log.json()["items"]}
        status = logged[arrival.headers["webhook-id"]]["status"]
        return status if status != "sending" else None

    assert await eventually(recorded, timeout=30) == "delivered"


async def test_notifications_killed_mid_burst_loses_no_webhook(
    platform: Platform, gateway: httpx.AsyncClient, endpoint: Endpoint, receiver: Receiver
) -> None:
    accepted: list[dict[str, str]] = []

    async def flow() -> None:
        for _ in range(BURST):
            accepted.append(await file(gateway, complaint()))

    sender = asyncio.create_task(flow())
    while len(accepted) < BURST // 3:
        await asyncio.sleep(0.05)
    killed = platform.pid_of("notifications")
    os.kill(killed, signal.SIGKILL)
    await sender
    restarted = await asyncio.to_thread(platform.wait_for_new_pid, "notifications", killed)
    references = {a["reference"] for a in accepted}

    async def all_arrived() -> list[Arrival] | None:
        arrivals = receiver.for_references(references)
        return arrivals if {a.reference for a in arrivals} == references else None

    # A delivery claimed when the process died waits for its claim to lapse (20 s here).
    arrivals = await eventually(all_arrived, timeout=120, interval=0.5)
    ids_by_reference: dict[str, set[str]] = {}
    for arrival in arrivals:
        Webhook(endpoint.secret).verify(arrival.body, arrival.headers)
        ids_by_reference.setdefault(arrival.reference, set()).add(arrival.headers["webhook-id"])
    duplicates = len(arrivals) - sum(len(ids) for ids in ids_by_reference.values())
    print(f"{len(arrivals)} webhook requests for {BURST} cases; {duplicates} repeated a webhook-id")

    assert restarted != killed
    assert set(ids_by_reference) == references
    # One delivery, one webhook-id per case: a repeat is the same id, which receivers drop.
    assert all(len(ids) == 1 for ids in ids_by_reference.values()), ids_by_reference
    expected = await _logged_ids(gateway, endpoint, references)
    assert expected == {i for ids in ids_by_reference.values() for i in ids}


async def _logged_ids(
    gateway: httpx.AsyncClient, endpoint: Endpoint, references: set[str]
) -> set[str]:
    """The webhook-ids the endpoint's delivery log lists for these cases."""
    found: set[str] = set()
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = await gateway.get(
            f"/v1/webhooks/{endpoint.id}/deliveries", params=params, headers=endpoint.headers
        )
        assert page.status_code == 200, page.text
        found |= {d["id"] for d in page.json()["items"] if d["reference"] in references}
        cursor = page.json().get("next_cursor")
        if not cursor:
            return found


async def touch_anothers_webhook(
    gateway: httpx.AsyncClient, mine: dict[str, str], theirs: dict[str, str]
) -> None:
    """Every operation on another owner's endpoint answers like one that does not exist.

    A check of the object-level authorisation matrix.
    """
    registered = await gateway.post(
        "/v1/webhooks",
        json={
            "url": "http://127.0.0.1:9/their-hooks",
            "event_types": ["org.nowrongdoor.case.invitation-sent.v1"],
            "description": "theirs",
        },
        headers=theirs,
    )
    assert registered.status_code == 201, registered.text
    endpoint_id: str = registered.json()["id"]
    before = await gateway.get(f"/v1/webhooks/{endpoint_id}", headers=theirs)
    attempts: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "", None),
        ("GET", "/deliveries", None),
        ("PATCH", "", {"url": "http://127.0.0.1:9/mine-now", "enabled": True}),
        ("POST", "/secret", None),
        ("POST", "/replay", {"since": "2026-01-01T00:00:00Z"}),
        ("DELETE", "", None),
    ]
    for method, tail, body in attempts:
        other = await gateway.request(
            method, f"/v1/webhooks/{endpoint_id}{tail}", json=body, headers=mine
        )
        unknown = await gateway.request(
            method, f"/v1/webhooks/wh-{'0' * 32}{tail}", json=body, headers=mine
        )
        assert other.status_code == 404, (method, tail, other.status_code, other.text)
        assert other.json() == unknown.json(), (method, tail)
    after = await gateway.get(f"/v1/webhooks/{endpoint_id}", headers=theirs)
    assert after.json() == before.json()
    listed = await gateway.get("/v1/webhooks", headers=mine)
    assert endpoint_id not in {e["id"] for e in listed.json()}
    await gateway.delete(f"/v1/webhooks/{endpoint_id}", headers=theirs)
