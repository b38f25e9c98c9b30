"""Institutions' presentations in sign language and easy words: shown where the directory names
one, the plain sentence where it does not, and served from the operator's folder at `/media/`."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from gateway.settings import GatewaySettings
from nowrongdoor.contracts.routing import InstitutionView, PresentationsView
from nowrongdoor.contracts.vocabulary import Language

from ..fakes import FakeServices
from .conftest import browsing

VIDEO = "/media/ma-mediateur/presentation.mp4"
EASY_READ = "/media/ma-mediateur/easy-read.html"
NO_VIDEO = "Sign-language presentation: not yet published by this institution."
NO_EASY_READ = "Easy-read presentation: not yet published by this institution."


@pytest.fixture
def services(services: FakeServices) -> FakeServices:
    """The Médiateur has published both presentations; the CNDH neither."""
    original = services.routing._view

    def view(institution_id: str, language: Language) -> InstitutionView:
        shown = original(institution_id, language)
        if institution_id != "ma-mediateur":
            return shown
        published = PresentationsView(sign_language_video=VIDEO, easy_read=EASY_READ)
        return shown.model_copy(update={"presentations": published})

    services.routing._view = view  # type: ignore[method-assign]
    return services


def card(html: str, institution_id: str) -> str:
    found = re.search(
        rf'<section class="card" aria-labelledby="inst-{institution_id}">(.*?)</section>',
        html,
        re.S,
    )
    assert found, f"no card for {institution_id}"
    return found.group(1)


async def test_the_home_page_shows_a_published_video_and_easy_read_page(
    browser: httpx.AsyncClient,
) -> None:
    home = (await browser.get("/en/")).text

    mediateur = card(home, "ma-mediateur")
    assert f'<video controls preload="none" src="{VIDEO}">' in mediateur
    assert f'<a href="{VIDEO}">Watch the presentation in sign language</a></video>' in mediateur
    assert f'<a href="{VIDEO}">Presentation in sign language (video)</a>' in mediateur
    assert f'<a href="{EASY_READ}">Presentation in easy-read words</a>' in mediateur
    assert NO_VIDEO not in mediateur and NO_EASY_READ not in mediateur


async def test_an_institution_that_published_nothing_says_so(browser: httpx.AsyncClient) -> None:
    home = (await browser.get("/en/")).text

    cndh = card(home, "ma-cndh")
    assert NO_VIDEO in cndh and NO_EASY_READ in cndh
    assert "<video" not in cndh and "/media/" not in cndh


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    (folder / "ma-mediateur").mkdir(parents=True)
    (folder / "ma-mediateur" / "easy-read.html").write_text(
        "<!doctype html><title>Easy read</title><p>We help you.</p>", encoding="utf-8"
    )
    (folder / "ma-mediateur" / "presentation.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    return folder


async def test_the_media_folder_is_served_read_only_with_the_right_types(
    app_settings: GatewaySettings, services: FakeServices, media: Path
) -> None:
    from gateway.app import create_app

    settings = app_settings.model_copy(update={"media_dir": media})
    async with browsing(create_app(settings, services.upstreams())) as browser:
        page = await browser.get(EASY_READ)
        video = await browser.get(VIDEO)
        listing = await browser.get("/media/ma-mediateur/")
        outside = await browser.get("/media/../settings.py")
        written = await browser.post(EASY_READ, content=b"x")

    assert page.status_code == 200 and "We help you." in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert listing.status_code == 404, "no listing of the folder"
    assert outside.status_code == 404
    assert written.status_code == 405


async def test_without_a_media_folder_nothing_is_served_at_media(
    browser: httpx.AsyncClient,
) -> None:
    answer = await browser.get(EASY_READ)

    assert answer.status_code == 404


def test_a_media_folder_that_does_not_exist_is_refused_at_start(
    app_settings: GatewaySettings, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="media_dir"):
        GatewaySettings.model_validate(
            {**app_settings.model_dump(), "media_dir": tmp_path / "nowhere"}
        )
