"""SMS posted to a real HTTP receiver: the request the provider sees, and its answers mapped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from notifications.channels import CannotDeliver, TryLater
from notifications.channels.sms import HttpSmsSender
from notifications.settings import NotificationsSettings
from nowrongdoor.embedded import free_port

NUMBER = "+32470123456"
TEXT = "Dossier NWD-7K3M9QX2VD4H : statut « résolu »."


@dataclass
class Provider:
    """A stand-in SMS provider: it records every request and answers `status`."""

    url: str = ""
    status: int = 202
    received: list[tuple[dict[str, str], Any]] = field(default_factory=list)

    async def messages(self, request: Request) -> JSONResponse:
        self.received.append((dict(request.headers), await request.json()))
        # The body echoes the number, as real providers do: it must not reach an error.
        return JSONResponse({"to": NUMBER, "status": self.status}, status_code=self.status)


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    provider = Provider()
    port = free_port()
    app = Starlette(routes=[Route("/v1/messages", provider.messages, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the test provider did not start"
        await asyncio.sleep(0.01)
    provider.url = f"http://127.0.0.1:{port}/v1/messages"
    try:
        yield provider
    finally:
        server.should_exit = True
        await serving


def sender_for(provider: Provider) -> HttpSmsSender:
    settings = NotificationsSettings(sms_url=provider.url, sms_api_key="sk-test-123")
    sender = HttpSmsSender.from_settings(settings)
    assert sender is not None
    return sender


def test_no_sms_url_means_no_sender() -> None:
    assert HttpSmsSender.from_settings(NotificationsSettings(sms_url=None)) is None


async def test_an_sms_is_posted_with_the_key_and_the_delivery_id(provider: Provider) -> None:
    await sender_for(provider).send(NUMBER, TEXT, "dlv-0001")

    [(headers, body)] = provider.received
    assert headers["authorization"] == "Bearer sk-test-123"
    assert headers["idempotency-key"] == "dlv-0001"
    assert headers["content-type"] == "application/json"
    assert body == {"to": NUMBER, "text": TEXT, "id": "dlv-0001"}


@pytest.mark.parametrize("status", [503, 429, 500])
async def test_a_busy_provider_means_try_later(provider: Provider, status: int) -> None:
    provider.status = status

    with pytest.raises(TryLater, match=str(status)) as raised:
        await sender_for(provider).send(NUMBER, TEXT, "dlv-0002")

    assert NUMBER not in str(raised.value)
    assert len(provider.received) == 1


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_a_refused_message_cannot_be_delivered(provider: Provider, status: int) -> None:
    provider.status = status

    with pytest.raises(CannotDeliver, match=str(status)) as raised:
        await sender_for(provider).send(NUMBER, TEXT, "dlv-0003")

    assert NUMBER not in str(raised.value)
    assert TEXT not in str(raised.value)


async def test_an_unreachable_provider_means_try_later() -> None:
    sender = HttpSmsSender(url=f"http://127.0.0.1:{free_port()}/v1/messages", api_key="k")

    with pytest.raises(TryLater) as raised:
        await sender.send(NUMBER, TEXT, "dlv-0004")

    assert NUMBER not in str(raised.value)
