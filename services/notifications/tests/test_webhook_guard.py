"""No server-side request forgery through a webhook URL: loopback, private, link-local and other
non-public addresses, and plain http, are refused outside development, when registered and again
when sent."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from notifications.app import create_app
from notifications.channels import CannotDeliver, Rendered
from notifications.channels.webhook import (
    AddressRefused,
    UrlRules,
    check_form,
    forbidden,
    resolve,
)
from notifications.models import Delivery, WebhookAttempt
from notifications.service import webhooks
from notifications.service.dispatch import Channels
from notifications.settings import NotificationsSettings
from nowrongdoor.auth import Principal
from nowrongdoor.crypto import Sealer
from nowrongdoor.db import SessionMaker, unit_of_work
from nowrongdoor.testing.apps import internal_headers, running

STRICT = UrlRules(allow_http=False, allow_private=False)
OPENED = "org.nowrongdoor.case.opened.v1"
OWNER = Principal(client_id="cms", kind="ngo", institution_id="ngo-sherpa")

REFUSED = [
    "https://127.0.0.1/hooks",
    "https://127.8.9.10:8443/hooks",
    "https://10.1.2.3/hooks",
    "https://172.16.0.1/hooks",
    "https://192.168.1.20/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hooks",
    "https://0.0.0.0/hooks",
    "https://224.0.0.1/hooks",
    "https://[::1]/hooks",
    "https://[fc00::1]/hooks",
    "https://[fd12:3456::1]/hooks",
    "https://[fe80::1]/hooks",
    "https://[::]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://[::ffff:10.0.0.1]/hooks",
    "https://localhost/hooks",
]


@pytest.mark.parametrize("url", REFUSED)
async def test_a_non_public_address_is_refused(url: str) -> None:
    with pytest.raises(AddressRefused, match="non-public"):
        await resolve(check_form(url, STRICT), STRICT)


async def test_a_public_address_is_let_through_and_private_ones_where_allowed() -> None:
    public = await resolve(check_form("https://93.184.215.14/hooks", STRICT), STRICT)
    lenient = UrlRules(allow_http=True, allow_private=True)
    loopback = await resolve(check_form("http://localhost:9/hooks", lenient), lenient)

    assert public == [ipaddress.ip_address("93.184.215.14")]
    assert ipaddress.ip_address("127.0.0.1") in loopback or ipaddress.ip_address("::1") in loopback


def test_every_mapped_form_is_judged_as_the_ipv4_address_it_carries() -> None:
    assert forbidden(ipaddress.ip_address("::ffff:192.168.0.1"))
    assert not forbidden(ipaddress.ip_address("::ffff:93.184.215.14"))
    assert not forbidden(ipaddress.ip_address("2a00:1450:4007:80e::200e"))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.215.14/hooks", "must use https outside development"),
        ("ftp://93.184.215.14/hooks", "must start with https://"),
        ("https://user:secret@93.184.215.14/hooks", "user name or password"),
        ("hooks.example.org/path", "must start with https://"),
    ],
)
def test_a_url_of_the_wrong_form_is_refused(url: str, reason: str) -> None:
    with pytest.raises(AddressRefused, match=reason):
        check_form(url, STRICT)


def no_render(notices: Any, language: str, audience: Any, public_url: str) -> Rendered:
    raise AssertionError("webhooks are never rendered")


def guard_settings(
    environment: dict[str, Any], allow_private: bool | None
) -> NotificationsSettings:
    return NotificationsSettings(
        **environment,
        webhook_allow_private_addresses=allow_private,
        dispatch_interval_seconds=3600,
    )


@pytest.fixture
async def strict(
    service_environment: dict[str, Any],
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = guard_settings(service_environment, None)
    channels = Channels(render=no_render, webhook_send=webhooks.sender(settings))
    app = create_app(settings, channels=channels)
    async with running(app, internal_headers(app.state.data_dir, OWNER)) as client:
        yield app, client


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/hooks", "non-public address"),
        ("https://10.0.0.7/hooks", "non-public address"),
        ("https://169.254.169.254/hooks", "non-public address"),
        ("https://[::1]/hooks", "non-public address"),
        ("https://[fc00::1]/hooks", "non-public address"),
        ("https://localhost/hooks", "non-public address"),
        ("http://93.184.215.14/hooks", "must use https outside development"),
    ],
)
async def test_registration_refuses_it_with_a_plain_reason(
    strict: tuple[FastAPI, httpx.AsyncClient], url: str, reason: str
) -> None:
    _app, client = strict

    response = await client.post("/internal/webhooks", json={"url": url, "event_types": [OPENED]})

    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "url"
    assert (await client.get("/internal/webhooks")).json() == []


async def test_an_unknown_event_type_is_refused_naming_those_allowed(
    strict: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _app, client = strict

    response = await client.post(
        "/internal/webhooks",
        json={"url": "https://93.184.215.14/hooks", "event_types": ["org.nowrongdoor.case.x.v1"]},
    )

    assert response.status_code == 422
    assert "org.nowrongdoor.case.message-posted.v1" in response.json()["errors"][0]["message"]


async def test_an_address_allowed_at_registration_is_refused_at_sending_once_it_is_not(
    service_environment: dict[str, Any],
) -> None:
    # Registered where private addresses were allowed; what the host means is judged anew.
    lenient = guard_settings(service_environment, True)
    app = create_app(lenient, channels=Channels(render=no_render))
    async with running(app, internal_headers(app.state.data_dir, OWNER)) as client:
        response = await client.post(
            "/internal/webhooks",
            json={"url": "https://localhost:9/hooks", "event_types": [OPENED]},
        )
        assert response.status_code == 201, response.text
        endpoint_id = response.json()["id"]
        maker: SessionMaker = app.state.runtime.sessions
        strict = guard_settings(service_environment, False)
        delivery = Delivery.model_validate(
            {
                "id": str(uuid.uuid4()),
                "cause_event_id": str(uuid.uuid4()),
                "reference": "NWD-7K3M9QX2VD4H",
                "recipient": endpoint_id,
                "owner": "ngo-sherpa",
                "channel": "webhook",
                "kind": "case-opened",
                "status": "sending",
                "details": {"event_type": OPENED},
                "created_at": datetime.now(UTC),
            }
        )
        async with unit_of_work(maker) as session:
            session.add(delivery)

        async with unit_of_work(maker) as session:
            with pytest.raises(CannotDeliver, match="non-public address"):
                await webhooks.send(
                    session,
                    delivery,
                    datetime.now(UTC),
                    settings=strict,
                    sealer=Sealer(strict.keys()),
                )

        async with maker() as session:
            logged = await session.get(WebhookAttempt, _only_attempt(await _attempts(maker)))
        assert logged is not None
        assert logged.status_code is None
        assert logged.error is not None and "non-public" in logged.error
        assert "localhost" not in logged.error


async def _attempts(maker: SessionMaker) -> list[str]:
    async with maker() as session:
        return list((await session.scalars(select(WebhookAttempt.id))).all())


def _only_attempt(ids: list[str]) -> str:
    [one] = ids
    return one
