"""nowrongdoor.access: each request's access-log line names the status the caller got."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from nowrongdoor.access import RequestTelemetry


async def _missing(request: Request) -> PlainTextResponse:
    return PlainTextResponse("no such case", status_code=404)


async def _broken(scope: Scope, receive: Receive, send: Send) -> None:
    """An application that fails before it sends anything, with no error page of its own."""
    raise RuntimeError("broken before answering")


def _logged(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int]]:
    return [
        (record.route, record.status)  # type: ignore[attr-defined]
        for record in caplog.records
        if record.name == "nowrongdoor.access"
    ]


async def test_the_line_names_the_status_sent_and_the_route_not_the_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = RequestTelemetry(Starlette(routes=[Route("/cases/{reference}", _missing)]))
    transport = httpx.ASGITransport(app=app)
    with caplog.at_level(logging.INFO, logger="nowrongdoor.access"):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get("/cases/NWD-2026-000123")

    assert answer.status_code == 404
    assert _logged(caplog) == [("/cases/{reference}", 404)]


async def test_an_application_that_raises_before_answering_is_logged_as_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    transport = httpx.ASGITransport(app=RequestTelemetry(_broken), raise_app_exceptions=False)
    with caplog.at_level(logging.INFO, logger="nowrongdoor.access"):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get("/broken")

    assert answer.status_code == 500
    assert _logged(caplog) == [("unmatched", 500)]
