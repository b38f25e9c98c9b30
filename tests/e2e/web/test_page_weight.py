"""Every page is light (under 100 kB with all it loads) and asks nothing of any other website."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Response, Route

from ..conftest import Platform
from .conftest import OpenContext
from .journey import LANGUAGES, needs_chromium
from .tour import PAGES, every_page

pytestmark = needs_chromium

LIMIT_BYTES: Final = 100_000


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def body_size(response: Response) -> int:
    if 300 <= response.status < 400:
        return 0  # a redirect has no body to read
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return 0  # the case page's live status: a stream that stays open, not the page
    return len(response.body())


def weight_of_the_page_shown(page: Page, responses: list[Response]) -> tuple[int, list[str]]:
    """The bodies of the document shown and of everything it loaded; what they were."""
    documents = [
        i
        for i, response in enumerate(responses)
        if response.request.is_navigation_request() and response.frame == page.main_frame
    ]
    assert documents, f"no document was loaded for {page.url}"
    shown = responses[documents[-1] :]
    sizes = [(response.url, body_size(response)) for response in shown]
    return sum(size for _, size in sizes), [f"{url}: {size} B" for url, size in sizes]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_light_and_asks_nothing_of_other_sites(
    open_context: OpenContext, platform: Platform, language: str
) -> None:
    context = open_context(language)
    own = origin(platform.gateway)
    elsewhere: list[str] = []

    def only_the_gateway(route: Route) -> None:
        # Routing every request also keeps the browser's cache out: each page loads in full.
        if origin(route.request.url) == own:
            route.continue_()
        else:
            route.abort()

    def note(request: Request) -> None:
        if origin(request.url) != own:
            elsewhere.append(request.url)

    def keep(response: Response) -> None:
        responses.append(response)

    context.route("**/*", only_the_gateway)
    responses: list[Response] = []
    page = context.new_page()
    page.on("response", keep)
    page.on("request", note)
    heavy: list[str] = []
    foreign: list[str] = []
    weighed: list[str] = []

    for name in every_page(page, language):
        page.wait_for_load_state("load")
        weight, parts = weight_of_the_page_shown(page, responses)
        weighed.append(f"{name}: {weight} B")
        if weight >= LIMIT_BYTES:
            heavy.append(f"[{language}] {name}: {weight} B — " + ", ".join(parts))
        foreign += [f"[{language}] {name}: {url}" for url in elsewhere]
        elsewhere.clear()
        responses.clear()

    print(f"[{language}] " + "; ".join(weighed))
    assert len(weighed) == len(PAGES), weighed
    assert not heavy, "pages of 100 kB or more:\n" + "\n".join(heavy)
    assert not foreign, "requests to other websites:\n" + "\n".join(foreign)
