"""The pages that explain: home, help, accessibility, privacy; and `/` choosing a language:
the one last chosen on these pages, else the browser's."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from gateway.pages.i18n import api_language, negotiate
from gateway.pages.rendering import remembered_language, render, translate
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.http import ServiceUnavailable

router = APIRouter(include_in_schema=False)
LanguagePath = Annotated[str, Path(description="ar, fr, en, nl or de")]
STATEMENT_REVIEWED: Final = date(2026, 12, 4)
"""When the accessibility statement was last checked against the pages; move it with each review."""


def _to_language(request: Request, target: str) -> RedirectResponse:
    language = remembered_language(request) or negotiate(request.headers.get("accept-language"))
    query = f"?{request.url.query}" if request.url.query else ""
    # `Vary` so a shared cache never hands one person's language to another.
    return RedirectResponse(
        f"/{language}/{target}{query}",
        status_code=303,
        headers={"Vary": "Accept-Language, Cookie"},
    )


@router.get("/")
async def root(request: Request) -> Response:
    return _to_language(request, "")


@router.get("/track")
async def track_without_language(request: Request) -> Response:
    """The link in every message to a complainant, in whatever language they read it."""
    return _to_language(request, "track")


@router.get("/{language:lang}")
async def home_without_slash(language: LanguagePath) -> Response:
    return RedirectResponse(f"/{language}/", status_code=308)


@router.get("/{language:lang}/")
async def home(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    try:
        institutions = await upstreams.routing.institutions(
            Principal.public(), api_language(language)
        )
    except ServiceUnavailable:
        institutions = None
    return render(
        request,
        language,
        "home.html",
        {"institutions": institutions},
        title=translate(language, "Complain to the right institution"),
    )


@router.get("/{language:lang}/help")
async def help_page(language: LanguagePath, request: Request) -> Response:
    return render(request, language, "help.html", title=translate(language, "Help"))


@router.get("/{language:lang}/accessibility")
async def accessibility(language: LanguagePath, request: Request) -> Response:
    return render(
        request,
        language,
        "accessibility.html",
        {"reviewed": STATEMENT_REVIEWED},
        title=translate(language, "Accessibility"),
    )


@router.get("/{language:lang}/privacy")
async def privacy(language: LanguagePath, request: Request) -> Response:
    return render(request, language, "privacy.html", title=translate(language, "Privacy"))
