"""Errors on the pages are pages in the person's language; the API keeps its problem documents."""

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.edge.limit_settings import LimitSettings
from gateway.edge.limits import Limits
from gateway.settings import GatewaySettings

from ..fakes import FakeServices
from .conftest import browsing, form_token, heading


@pytest.fixture
async def strict(
    app_settings: GatewaySettings, services: FakeServices
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose limits a test reaches in a few requests."""
    limits = Limits(
        settings=LimitSettings(
            rate_limit_public_paths="2/minute",
            submissions_anonymous="1/hour",
            max_body_bytes=2_000,
        )
    )
    async with browsing(create_app(app_settings, services.upstreams(), limits)) as client:
        yield client


async def test_an_unknown_page_is_a_404_page_in_its_language(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/nl/nowhere")
    unprefixed = await browser.get("/nowhere", headers={"Accept-Language": "de"})

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="nl"' in response.text
    assert heading(response.text) == "Pagina niet gevonden"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert unprefixed.status_code == 404 and '<html lang="de"' in unprefixed.text


async def test_the_api_keeps_answering_problem_documents(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/v1/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_too_many_requests_is_a_page_that_says_when_to_come_back(
    strict: httpx.AsyncClient,
) -> None:
    for _ in range(2):
        assert (await strict.get("/ar/help")).status_code == 200

    refused = await strict.get("/ar/help")

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert '<html lang="ar" dir="rtl"' in refused.text
    assert "<main" in refused.text


async def test_a_body_too_large_is_a_page_and_nothing_is_asked(
    strict: httpx.AsyncClient, services: FakeServices
) -> None:
    token = form_token((await strict.get("/fr/track")).text)

    refused = await strict.post("/fr/guide", data={"csrf": token, "q.category": "x" * 5_000})

    assert refused.status_code == 413
    assert refused.headers["content-type"].startswith("text/html")
    assert '<html lang="fr"' in refused.text
    assert services.count("answer_guide") == 0


async def test_a_failure_inside_is_a_500_page_that_loses_nothing(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    async def broken(*_: object) -> object:
        raise RuntimeError("bug")

    services.routing.institutions = broken  # type: ignore[method-assign,assignment]

    response = await browser.get("/de/")

    assert response.status_code == 500
    assert '<html lang="de"' in response.text
    assert "bug" not in response.text
