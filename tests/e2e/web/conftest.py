"""A real Chromium for the whole folder, a browser context per use, and an institution's client.

The platform itself is the session's `platform` fixture of `tests/e2e/conftest.py`: the pages are
read from its gateway, and the institution speaks to the same gateway's REST API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from ..conftest import Platform
from .journey import CHROMIUM, Institution


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


OpenContext = Callable[..., BrowserContext]


@pytest.fixture
def open_context(browser: Browser, platform: Platform) -> Iterator[OpenContext]:
    """A fresh browser context (its own cookies) on the gateway; closed after the test."""
    opened: list[BrowserContext] = []

    def open_one(language: str = "en", *, javascript: bool = True) -> BrowserContext:
        context = browser.new_context(
            base_url=platform.gateway,
            locale=language,
            java_script_enabled=javascript,
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(20_000)
        opened.append(context)
        return context

    yield open_one
    for context in opened:
        context.close()


@pytest.fixture(scope="package")
def mediateur_credentials(platform: Platform) -> tuple[str, str]:
    return platform.create_client("institution", "ma-mediateur", "cases:read", "cases:write")


@pytest.fixture
def mediateur(platform: Platform, mediateur_credentials: tuple[str, str]) -> Iterator[Institution]:
    """The Médiateur du Royaume's client, with a token of its own for this test."""
    with httpx.Client(base_url=platform.gateway, timeout=30) as gateway:
        response = gateway.post(
            "/v1/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=mediateur_credentials,
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        yield Institution(gateway, {"Authorization": f"Bearer {token}"})
