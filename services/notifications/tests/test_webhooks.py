"""Webhooks against a real HTTP receiver: signed deliveries that verify, retries on the schedule
under a controlled clock, 410 and exhausted retries disabling the endpoint, rotation, replay."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from notifications.app import create_app
from notifications.channels import Rendered
from notifications.channels.webhook import payload
from notifications.domain.schedule import RETRY_DELAYS
from notifications.models import Delivery
from notifications.service import webhooks
from notifications.service.dispatch import Channels, Dispatcher
from notifications.settings import NotificationsSettings
from nowrongdoor.auth import Principal
from nowrongdoor.bus import Bus
from nowrongdoor.contracts.events import CaseOpened
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.envelope import Envelope
from nowrongdoor.testing.apps import eventually, internal_headers, running

REFERENCE = "NWD-7K3M9QX2VD4H"
OPENED = "org.nowrongdoor.case.opened.v1"
MEDIATEUR = Principal(
    client_id="cms",
    kind="institution",
    institution_id="ma-mediateur",
    scopes=frozenset({"cases:read", "cases:write"}),
)


@dataclass
class Received:
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """An HTTP server on loopback that keeps every request and answers as scripted."""

    answers: deque[int] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.received.append(Received(headers, body))
                self.send_response(receiver.answers.popleft() if receiver.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    assert receiver.server is not None
    receiver.server.shutdown()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(service_environment: dict[str, Any]) -> NotificationsSettings:
    # Development: a plain-http receiver on loopback is allowed, as on a developer's machine.
    return NotificationsSettings(
        **service_environment | {"environment": "development", "seed_institution_contacts": False},
        dispatch_interval_seconds=3600,
        webhook_timeout_seconds=2,
    )


def no_render(notices: Any, language: str, audience: Any, public_url: str) -> Rendered:
    raise AssertionError("webhooks are never rendered")


@pytest.fixture
def app(settings: NotificationsSettings, clock: Clock) -> FastAPI:
    channels = Channels(
        render=no_render,
        webhook_send=webhooks.sender(settings),
        webhook_gave_up=webhooks.gave_up,
    )
    return create_app(settings, clock=clock, channels=channels)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running(app, internal_headers(app.state.data_dir, MEDIATEUR)) as client:
        yield client


def dispatcher(app: FastAPI) -> Dispatcher:
    found: Dispatcher = app.state.dispatcher
    return found


def sessions(app: FastAPI) -> SessionMaker:
    maker: SessionMaker = app.state.runtime.sessions
    return maker


async def register(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await client.post(
        "/internal/webhooks", json={"url": url, "event_types": [OPENED], "description": "CMS"}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def owe(app: FastAPI, endpoint_id: str, at: datetime) -> str:
    """A webhook delivery due at `at`, as the planner makes one for an opened case."""
    delivery_id = str(uuid.uuid4())
    async with unit_of_work(sessions(app)) as session:
        session.add(
            Delivery.model_validate(
                {
                    "id": delivery_id,
                    "cause_event_id": str(uuid.uuid4()),
                    "reference": REFERENCE,
                    "recipient": endpoint_id,
                    "owner": "ma-mediateur",
                    "channel": "webhook",
                    "kind": "case-opened",
                    "status": "pending",
                    # A word that must never reach a payload rides along with what may.
                    "details": {
                        "event_type": OPENED,
                        "institution_id": "ma-mediateur",
                        "status": "routed",
                        "email": "leila@example.org",
                    },
                    "next_attempt_at": at,
                    "created_at": at,
                }
            )
        )
    return delivery_id


async def log_of(client: httpx.AsyncClient, endpoint_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/internal/webhooks/{endpoint_id}/deliveries")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_delivery_arrives_signed_and_carries_no_personal_data(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await register(client, receiver.url)
    delivery_id = await owe(app, endpoint["id"], clock.now)

    await dispatcher(app).dispatch_due()

    [arrived] = receiver.received
    payload = Webhook(endpoint["secret"]).verify(arrived.body, arrived.headers)
    assert arrived.headers["webhook-id"] == delivery_id
    assert arrived.headers["content-type"] == "application/json"
    assert payload["type"] == OPENED
    assert payload["data"]["reference"] == REFERENCE
    assert payload["data"]["status"] == "routed"
    assert payload["data"]["institution_id"] == "ma-mediateur"
    assert payload["data"]["links"]["case"].endswith(f"/v1/cases/{REFERENCE}")
    assert "leila" not in arrived.body
    [logged] = await log_of(client, endpoint["id"])
    assert (logged["id"], logged["status"], logged["attempts"]) == (delivery_id, "delivered", 1)
    assert [a["status_code"] for a in logged["attempt_log"]] == [200]


async def test_an_opened_case_reaches_the_endpoint_of_its_institution(
    app: FastAPI, client: httpx.AsyncClient, bus: Bus, receiver: Receiver
) -> None:
    endpoint = await register(client, receiver.url)
    event = CaseOpened(
        reference=REFERENCE,
        status=CaseStatus.ROUTED,
        institution_ids=["ma-mediateur"],
        lead_institution_id="ma-mediateur",
        language="fr",
        opened_at=datetime.now(UTC),
    )
    await bus.publish(Envelope.wrap(event, source="/t", subject=REFERENCE), event.subject)

    await eventually(lambda: _some(receiver.received))

    [arrived] = receiver.received
    payload = Webhook(endpoint["secret"]).verify(arrived.body, arrived.headers)
    assert (payload["type"], payload["data"]["reference"]) == (OPENED, REFERENCE)


async def _some(items: list[Received]) -> bool:
    return bool(items)


@pytest.fixture
def bus(app: FastAPI, client: httpx.AsyncClient) -> Bus:
    found: Bus = app.state.runtime.bus
    return found


async def test_a_500_is_tried_again_on_the_schedule_then_delivered(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await register(client, receiver.url)
    receiver.answers.extend([500, 200])
    delivery_id = await owe(app, endpoint["id"], clock.now)
    first_try = clock.now

    await dispatcher(app).dispatch_due()
    [waiting] = await log_of(client, endpoint["id"])
    clock.now = datetime.fromisoformat(waiting["next_attempt_at"])
    await dispatcher(app).dispatch_due()

    assert waiting["status"] == "pending"
    assert waiting["last_status_code"] == 500
    wait = clock.now - first_try
    assert RETRY_DELAYS[0] / 2 <= wait <= RETRY_DELAYS[0]
    [logged] = await log_of(client, endpoint["id"])
    assert logged["status"] == "delivered"
    assert [a["status_code"] for a in logged["attempt_log"]] == [500, 200]
    assert receiver.ids() == [delivery_id, delivery_id]


async def test_gone_disables_the_endpoint_and_tells_its_owner(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await register(client, receiver.url)
    receiver.answers.append(410)
    await owe(app, endpoint["id"], clock.now)

    await dispatcher(app).dispatch_due()
    await owe(app, endpoint["id"], clock.now)
    await dispatcher(app).dispatch_due()

    shown = (await client.get(f"/internal/webhooks/{endpoint['id']}")).json()
    assert shown["enabled"] is False
    assert "410" in shown["disabled_reason"]
    assert len(receiver.received) == 1
    told = await told_disabled(client)
    assert [(d["recipient"], d["channel"]) for d in told] == [("ma-mediateur", "institution-inbox")]


async def told_disabled(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/internal/deliveries", params={"reference": REFERENCE})
    assert response.status_code == 200
    return [d for d in response.json() if d["kind"] == "endpoint-disabled"]


async def test_an_endpoint_failing_past_the_schedule_is_disabled_and_its_owner_told_once(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await register(client, receiver.url)
    receiver.answers.extend([503] * 50)
    await owe(app, endpoint["id"], clock.now)
    first_try = clock.now

    for _ in range(len(RETRY_DELAYS) + 1):
        await dispatcher(app).dispatch_due()
        [logged] = await log_of(client, endpoint["id"])
        if logged["status"] != "pending":
            break
        clock.now = datetime.fromisoformat(logged["next_attempt_at"])

    assert logged["status"] == "failed"
    assert len(logged["attempt_log"]) == len(RETRY_DELAYS) + 1
    assert clock.now - first_try > timedelta(hours=24)
    shown = (await client.get(f"/internal/webhooks/{endpoint['id']}")).json()
    assert shown["enabled"] is False
    assert shown["consecutive_failures"] == len(RETRY_DELAYS) + 1
    assert len(await told_disabled(client)) == 1
    turned_on = await client.patch(f"/internal/webhooks/{endpoint['id']}", json={"enabled": True})
    assert (turned_on.json()["enabled"], turned_on.json()["consecutive_failures"]) == (True, 0)


async def test_after_rotation_both_secrets_sign_until_the_overlap_ends(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await register(client, receiver.url)
    rotated = (await client.post(f"/internal/webhooks/{endpoint['id']}/secret")).json()
    await owe(app, endpoint["id"], clock.now)
    await dispatcher(app).dispatch_due()
    # Rotated again a day and more ago: the secret before that one no longer signs.
    real_now = clock.now
    clock.now = real_now - timedelta(hours=25)
    again = (await client.post(f"/internal/webhooks/{endpoint['id']}/secret")).json()
    clock.now = real_now
    await owe(app, endpoint["id"], clock.now)
    await dispatcher(app).dispatch_due()

    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    Webhook(endpoint["secret"]).verify(during.body, during.headers)
    Webhook(rotated["secret"]).verify(during.body, during.headers)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(again["secret"]).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(rotated["secret"]).verify(after.body, after.headers)


async def test_replay_sends_again_with_the_same_webhook_id(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await register(client, receiver.url)
    first = await owe(app, endpoint["id"], clock.now - timedelta(hours=2))
    second = await owe(app, endpoint["id"], clock.now - timedelta(minutes=5))
    await dispatcher(app).dispatch_due()
    path = f"/internal/webhooks/{endpoint['id']}/replay"

    one = await client.post(path, json={"delivery_id": first})
    await dispatcher(app).dispatch_due()
    since = (clock.now - timedelta(hours=1)).isoformat()
    ranged = await client.post(path, json={"since": since})
    await dispatcher(app).dispatch_due()
    unknown = await client.post(path, json={"delivery_id": str(uuid.uuid4())})

    assert (one.status_code, one.json()) == (202, {"replayed": 1})
    assert ranged.json() == {"replayed": 1}
    assert unknown.status_code == 404
    assert sorted(receiver.ids()) == sorted([first, second, first, second])
    assert receiver.ids()[2:] == [first, second]


async def test_another_owners_endpoint_answers_like_a_missing_one(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    endpoint = await register(client, receiver.url)
    other = Principal(client_id="x", kind="institution", institution_id="ma-cndh")
    admin = Principal(client_id="a", kind="admin", scopes=frozenset({"clients:admin"}))
    as_other = internal_headers(app.state.data_dir, other)
    path = f"/internal/webhooks/{endpoint['id']}"

    theirs = await client.get(path, headers=as_other)
    missing = await client.get(f"/internal/webhooks/wh-{'0' * 32}", headers=as_other)
    listed = await client.get("/internal/webhooks", headers=as_other)
    deleted = await client.delete(path, headers=as_other)
    as_admin = await client.get(
        "/internal/webhooks", headers=internal_headers(app.state.data_dir, admin)
    )

    assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())
    assert theirs.status_code == 404
    assert listed.json() == []
    assert deleted.status_code == 404
    assert as_admin.status_code == 403
    assert (await client.get(path)).status_code == 200


async def test_the_delivery_log_pages_newest_first(
    app: FastAPI, client: httpx.AsyncClient, receiver: Receiver, clock: Clock
) -> None:
    endpoint = await register(client, receiver.url)
    made = [await owe(app, endpoint["id"], clock.now - timedelta(minutes=n)) for n in range(3)]
    path = f"/internal/webhooks/{endpoint['id']}/deliveries"

    first = (await client.get(path, params={"limit": 2})).json()
    second = (await client.get(path, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    bad = await client.get(path, params={"cursor": "nope"})

    assert [d["id"] for d in first["items"] + second["items"]] == made
    assert second.get("next_cursor") is None
    assert bad.status_code == 422


def test_a_payload_never_carries_what_is_not_listed() -> None:
    delivery = Delivery.model_validate(
        {
            "id": "d",
            "cause_event_id": "e",
            "reference": REFERENCE,
            "recipient": "wh-1",
            "channel": "webhook",
            "kind": "transferred-out",
            "status": "pending",
            "details": {"from_institution": "ma-mediateur", "name": "Leila", "body": "my landlord"},
            "created_at": datetime(2026, 12, 2, tzinfo=UTC),
        }
    )

    document = json.loads(payload(delivery, "https://nowrongdoor.example/"))

    assert document["type"] == "org.nowrongdoor.case.transferred.v1"
    assert document["data"] == {
        "reference": REFERENCE,
        "kind": "transferred-out",
        "from_institution_id": "ma-mediateur",
        "links": {"case": f"https://nowrongdoor.example/v1/cases/{REFERENCE}"},
    }
