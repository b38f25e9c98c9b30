"""The pages over stand-in services, spoken to as a browser does: over HTTPS, forms and cookies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.routing import Guide, GuideOption, GuideQuestion
from nowrongdoor.contracts.vocabulary import Language

from ..fakes import FakeServices

YES_NO = [GuideOption(value=True, label="Yes"), GuideOption(value=False, label="No")]


def guide_of(language: Language) -> Guide:
    """A guide shaped as routing's: a region question showing the regions of the country."""

    def question(
        id: str, options: list[GuideOption], answers: str | None = None, **more: Any
    ) -> GuideQuestion:
        return GuideQuestion(id=id, answers=answers or id, text=f"{id}?", options=options, **more)

    return Guide(
        language=language,
        registry_version="sha256:00000000000000a1",
        questions=[
            question("category", [GuideOption(value="maladministration", label="Bad service")]),
            question("respondent_type", [GuideOption(value="local-authority", label="A commune")]),
            question(
                "country",
                [
                    GuideOption(value="MA", label="Morocco"),
                    GuideOption(value="ZZ", label="Elsewhere"),
                ],
                answers="territory",
            ),
            question(
                "region",
                [
                    GuideOption(value="MA", label="Morocco — all", country="MA"),
                    GuideOption(value="MA-06", label="Casablanca-Settat", country="MA"),
                ],
                answers="territory",
                depends_on="country",
            ),
            question("complainant_role", [GuideOption(value="citizen", label="A citizen")]),
            question("administration_contacted", YES_NO),
            question("court_case_pending", YES_NO),
        ],
    )


@pytest.fixture
def services(services: FakeServices) -> FakeServices:
    async def guide(caller: Principal, language: Language) -> Guide:
        await services.routing.reached("guide", caller, language)
        return guide_of(language)

    services.routing.guide = guide  # type: ignore[method-assign]
    return services


@asynccontextmanager
async def browsing(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser at the gateway's HTTPS address, so its Secure cookies come back."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://citizens.test"
        ) as client,
    ):
        yield client


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browsing(app) as client:
        yield client


def form_token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form that posts to `action`, as the browser would send them."""
    start = html.index(f'action="{action}"')
    end = html.index("</form>", start)
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html[start:end]))


def heading(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found, "the page has no h1"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()
