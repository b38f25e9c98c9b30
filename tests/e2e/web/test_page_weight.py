"""Every page is light (under 100 kB with all it loads, in at most a few requests) and asks nothing
of any other website."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Response, Route

from ..conftest import Platform
from .conftest import OpenContext
from .journey import LANGUAGES, needs_chromium
from .tour import PAGES, every_page

pytestmark = needs_chromium

LIMIT_BYTES: Final = 100_000
LIMIT_REQUESTS: Final = 6
"""Requests for one page shown: its document, the stylesheet, the script, the icon, and on the
case page the live status stream — five at most today, one spare. A page needing more (a font,
a second script, an image per institution) costs a slow phone a round trip each."""


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def body_size(response: Response) -> int:
    if 300 <= response.status < 400:
        return 0  # a redirect has no body to read
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return 0  # the case page's live status: a stream that stays open, not the page
    return len(response.body())


@dataclass
class Watched:
    """What a page opened by `watched_page` loaded, and what it asked of other websites."""

    responses: list[Response] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.responses.clear()
        self.requests.clear()
        self.elsewhere.clear()


def watched_page(context: BrowserContext, gateway: str) -> tuple[Page, Watched]:
    """A new page whose every request to another origin is refused and noted, and whose
    responses are kept for weighing."""
    own = origin(gateway)
    watched = Watched()

    def only_the_gateway(route: Route) -> None:
        # Routing every request also keeps the browser's cache out: each page loads in full.
        if origin(route.request.url) == own:
            route.continue_()
        else:
            route.abort()

    def note(request: Request) -> None:
        watched.requests.append(request)
        if origin(request.url) != own:
            watched.elsewhere.append(request.url)

    def keep(response: Response) -> None:
        watched.responses.append(response)

    context.route("**/*", only_the_gateway)
    page = context.new_page()
    page.on("response", keep)
    page.on("request", note)
    return page, watched


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


def requests_of_the_page_shown(page: Page, requests: list[Request]) -> list[str]:
    """Every request the page shown made, its document first, to any origin: `METHOD url`."""
    documents = [
        i
        for i, request in enumerate(requests)
        if request.is_navigation_request() and request.frame == page.main_frame
    ]
    assert documents, f"no document was asked for {page.url}"
    return [f"{r.method} {r.url}" for r in requests[documents[-1] :]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_is_light_and_asks_nothing_of_other_sites(
    open_context: OpenContext, platform: Platform, language: str
) -> None:
    page, watched = watched_page(open_context(language), platform.gateway)
    heavy: list[str] = []
    chatty: list[str] = []
    foreign: list[str] = []
    weighed: list[str] = []

    for name in every_page(page, language):
        page.wait_for_load_state("load")
        weight, parts = weight_of_the_page_shown(page, watched.responses)
        asked = requests_of_the_page_shown(page, watched.requests)
        weighed.append(f"{name}: {weight} B in {len(asked)} requests")
        if weight >= LIMIT_BYTES:
            heavy.append(f"[{language}] {name}: {weight} B — " + ", ".join(parts))
        if len(asked) > LIMIT_REQUESTS:
            chatty.append(f"[{language}] {name}: {len(asked)} requests — " + ", ".join(asked))
        foreign += [f"[{language}] {name}: {url}" for url in watched.elsewhere]
        watched.clear()

    print(f"[{language}] " + "; ".join(weighed))
    assert len(weighed) == len(PAGES), weighed
    assert not heavy, "pages of 100 kB or more:\n" + "\n".join(heavy)
    assert not chatty, f"pages of more than {LIMIT_REQUESTS} requests:\n" + "\n".join(chatty)
    assert not foreign, "requests to other websites:\n" + "\n".join(foreign)
