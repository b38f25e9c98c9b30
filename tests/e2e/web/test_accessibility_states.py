"""axe-core finds no WCAG 2.2 A or AA failure in the states a page can be in besides the tour's:
the error pages, a form sent twice, a session ended, a field refused, the guide's own error and
its advice when no institution is competent — each produced for real, in every language.

The 429 and 503 pages come from a second platform of this module's own: its rate limits on, and
no case-tracking behind its gateway (so reading a case finds the service not answering). Two
states no running platform can be brought to from its interfaces are shown by a gateway served
over the stand-in services of its own unit tests (`gateway/tests/fakes`): a 500 page (a fault
inside), and a case whose receipt is right but that case-tracking has not opened yet.
"""

from __future__ import annotations

import importlib.util
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from gateway.app import create_app
from gateway.edge.limit_settings import LimitSettings
from gateway.edge.limits import Limits
from gateway.settings import GatewaySettings
from nowrongdoor.contracts.intake import ComplaintSubmission, IncomingComplaint
from nowrongdoor.plugins import ServiceDeclaration

from ..conftest import OwnPlatform, Platform
from ..test_complaint_to_case import complaint
from .conftest import OpenContext
from .journey import (
    GUIDE_ANSWERS,
    LANGUAGES,
    expect_page,
    navigating,
    needs_chromium,
    question_on_page,
    wait_for_the_case,
    words,
)
from .test_accessibility import described, violations

pytestmark = needs_chromium

MISSING_SERVICE: Final = "case-tracking"
CLOSED_PORT: Final = "http://127.0.0.1:9"
"""The discard port: nothing listens there, so every call is refused at once."""
RATE: Final = 30
BIGGER_THAN_A_BODY: Final = 1_100_000
"""Over the gateway's default body limit (1 MB) for a form without files."""
FILLED_IN: Final = {
    "s.category": "maladministration",
    "s.respondent_type": "local-authority",
    "s.territory": "MA-06",
    "s.complainant_role": "citizen",
    "s.administration_contacted": "true",
    "s.court_case_pending": "false",
    "s.respondent_name": "Commune de Casablanca",
    "s.description": "The commune has not answered my request for five months.",
    "s.anonymous": "true",
}
STATES: Final = (
    "error 403: form expired",
    "error 413: too large",
    "guide: no answer chosen",
    "guide: advice, no institution competent",
    "submit: already sent",
    "case: empty reply refused",
    "track: session ended",
)
LIMITED_STATES: Final = ("error 429: too many requests", "error 503: service not answering")
FAKED_STATES: Final = ("error 500: a fault inside", "track: case being opened")
GATEWAY_FAKES: Final = Path(__file__).resolve().parents[3] / "gateway" / "tests" / "fakes"


@pytest.fixture(scope="module")
def limited_platform(
    own_platform: OwnPlatform, declared_services: tuple[ServiceDeclaration, ...]
) -> Iterator[Platform]:
    """A platform with its rate limits on and no case-tracking behind the gateway."""
    limited = {
        "NWD_RATE_LIMITS": "on",
        "NWD_RATE_LIMIT_PUBLIC_PATHS": f"{RATE}/minute",
        "NWD_GATEWAY_CASE_TRACKING_URL": CLOSED_PORT,
    }
    without = [s for s in declared_services if s.name != MISSING_SERVICE]
    with own_platform("limited", extra_env=limited, services=without) as started:
        yield started


def checked(page: Page, language: str, name: str, failures: list[str]) -> str:
    """Run axe-core on the page shown; its violations, described, join `failures`."""
    failures += [described(language, name, page.url, v) for v in violations(page)]
    return name


def post_form(page: Page, action: str, fields: dict[str, str]) -> None:
    """Send a form from the page shown, as a browser sends one (a real POST, a new page)."""
    navigating(
        page,
        lambda: page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [action, fields],
        ),
    )


def form_token(page: Page) -> str:
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    assert token, f"no form token on {page.url}"
    return token


def next_button(page: Page) -> Callable[[], None]:
    return lambda: page.click("main button[name=go][value=next]")


def answer_with(page: Page, answers: dict[str, str]) -> None:
    while (question := question_on_page(page)) is not None:
        page.check(f'input[name="q.{question}"][value="{answers[question]}"]')
        navigating(page, next_button(page))


def expect_refusal(page: Page, language: str, status: int, title: str, shown: int | None) -> None:
    assert shown == status, f"{page.url}: {shown}, not {status}"
    expect_page(page, language, words(language, title))


def every_state(page: Page, language: str, gateway: str) -> Iterator[str]:
    """Produce each state of `STATES` on the main platform, in order; each named once shown."""
    page.goto(f"/{language}/guide")
    page.context.clear_cookies()
    page.check(f'input[name="q.category"][value="{GUIDE_ANSWERS["category"]}"]')
    with page.expect_navigation() as expired:
        next_button(page)()
    expect_refusal(page, language, 403, "This form has expired", expired.value.status)
    yield "error 403: form expired"

    page.goto(f"/{language}/guide")
    page.check(f'input[name="q.category"][value="{GUIDE_ANSWERS["category"]}"]')
    page.evaluate(
        """(size) => {
            const stuffed = document.createElement("input");
            stuffed.type = "hidden";
            stuffed.name = "stuffed";
            stuffed.value = "x".repeat(size);
            document.querySelector('main form[method="post"]').append(stuffed);
        }""",
        BIGGER_THAN_A_BODY,
    )
    with page.expect_navigation() as large:
        next_button(page)()
    expect_refusal(page, language, 413, "What you sent is too large", large.value.status)
    yield "error 413: too large"

    page.goto(f"/{language}/guide")
    navigating(page, next_button(page))
    expect(page.locator("main")).to_contain_text(words(language, "Choose one of the answers."))
    expect(page.locator('main [aria-invalid="true"], main [role=alert]').first).to_be_attached()
    yield "guide: no answer chosen"

    page.goto(f"/{language}/guide")
    answer_with(page, GUIDE_ANSWERS | {"court_case_pending": "true"})
    expect_page(
        page, language, words(language, "No institution of the network can take this complaint")
    )
    expect(page.locator("main h2")).to_have_text(words(language, "What you can do"))
    expect(page.locator("main form[action$='/submit'] button[name=go][value=next]")).to_have_count(
        0
    )
    yield "guide: advice, no institution competent"

    page.goto(f"/{language}/track")
    sent = {"csrf": form_token(page), "once": secrets.token_urlsafe(24)} | FILLED_IN
    post_form(page, f"/{language}/submit/send", sent)
    expect_page(page, language, words(language, "Your complaint was received"))
    page.on("dialog", lambda dialog: dialog.accept())  # the receipt asks before it is left
    post_form(page, f"/{language}/submit/send", sent)
    expect_page(page, language, words(language, "This complaint was already sent"))
    yield "submit: already sent"

    reference, receipt = filed(gateway, language)
    open_the_case(page, language, reference, receipt)
    wait_for_the_case(page, language, reference)
    navigating(page, lambda: page.click('main form[action$="/track/reply"] button[type=submit]'))
    expect(page.locator("#body")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary[role=alert]")).to_contain_text(
        words(language, "Write your message before sending it.")
    )
    yield "case: empty reply refused"

    page.context.clear_cookies(name="nwd_case")
    page.fill("#body", "Are you still there?")
    navigating(page, lambda: page.click('main form[action$="/track/reply"] button[type=submit]'))
    expect_page(page, language, words(language, "Follow my case"))
    expect(page.locator("main")).to_contain_text(
        words(
            language,
            "Your session has ended, to protect your case. Give your reference and receipt again.",
        )
    )
    yield "track: session ended"


def filed(gateway: str, language: str) -> tuple[str, str]:
    """A complaint filed through the API: its reference and receipt."""
    with httpx.Client(base_url=gateway, timeout=30) as api:
        response = api.post("/v1/complaints", json=complaint(language=language))
    assert response.status_code == 201, response.text
    accepted = response.json()
    return accepted["reference"], accepted["receipt"]


def open_the_case(page: Page, language: str, reference: str, receipt: str) -> None:
    page.goto(f"/{language}/track")
    page.fill("#reference", reference)
    page.fill("#receipt", receipt)
    navigating(page, lambda: page.click('main form[action$="/track"] button[type=submit]'))


def limited_states(page: Page, language: str, gateway: str) -> Iterator[str]:
    """Produce each state of `LIMITED_STATES` on the limited platform, in order."""
    deadline = time.monotonic() + 30
    while True:
        with httpx.Client(base_url=gateway, timeout=30) as other_tabs:
            while other_tabs.get(f"/{language}/help").status_code != 429:
                assert time.monotonic() < deadline, "the rate limit never answered"
        shown = page.goto(f"/{language}/help")
        if shown is not None and shown.status == 429:
            break
        assert time.monotonic() < deadline, "the rate limit never answered the page"
    expect_page(page, language, words(language, "Too many attempts"))
    yield "error 429: too many requests"

    reference, receipt = filed(gateway, language)
    open_the_case(page, language, reference, receipt)
    expect_page(page, language, words(language, "The service is not answering right now"))
    yield "error 503: service not answering"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_state_passes_axe_core(
    open_context: OpenContext, platform: Platform, language: str
) -> None:
    page = open_context(language).new_page()
    failures: list[str] = []

    shown = [
        checked(page, language, name, failures)
        for name in every_state(page, language, platform.gateway)
    ]

    assert shown == list(STATES)
    assert not failures, "axe-core violations:\n" + "\n".join(failures)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_limited_platform_s_error_pages_pass_axe_core(
    browser: Browser, limited_platform: Platform, language: str, tmp_path: Path
) -> None:
    context = browser.new_context(base_url=limited_platform.gateway, locale=language)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        failures: list[str] = []

        shown = [
            checked(page, language, name, failures)
            for name in limited_states(page, language, limited_platform.gateway)
        ]
    finally:
        context.close()

    assert shown == list(LIMITED_STATES)
    assert not failures, "axe-core violations:\n" + "\n".join(failures)


def gateway_fakes() -> ModuleType:
    """The gateway's stand-in services, loaded from their folder: the gateway's tests are a
    package named `tests` too, so they cannot be imported by name beside these."""
    name = "nwd_web_gateway_fakes"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, GATEWAY_FAKES / "__init__.py", submodule_search_locations=[str(GATEWAY_FAKES)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Served:
    """A gateway over stand-in services, served over HTTP on loopback for the browser."""

    def __init__(self, services: Any, settings: GatewaySettings) -> None:
        self.services = services
        self.address = f"http://127.0.0.1:{free_port()}"
        limits = Limits(settings=LimitSettings(rate_limits=False))
        app = create_app(settings, services.upstreams(), limits)
        port = int(self.address.rsplit(":", 1)[1])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive(), "the gateway over stand-ins did not start"
            assert time.monotonic() < deadline, "the gateway over stand-ins did not start in time"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def served(redis_url: str, redis_prefix: str, tmp_path: Path) -> Iterator[Served]:
    services = gateway_fakes().FakeServices()
    settings = GatewaySettings(
        environment="test",
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        data_dir=tmp_path,
        tracking_cache_seconds=0,  # the stand-ins publish no events to keep a cache true
    )
    with Served(services, settings) as running:
        yield running


def faked_states(page: Page, language: str, served: Served) -> Iterator[str]:
    """Produce each state of `FAKED_STATES` on the gateway over stand-ins, in order."""
    services = served.services

    async def broken(*_: object) -> object:
        raise RuntimeError("a fault inside")

    routing_institutions = services.routing.institutions
    services.routing.institutions = broken
    shown = page.goto(f"/{language}/")
    services.routing.institutions = routing_institutions
    expect_refusal(
        page, language, 500, "Something went wrong on our side", shown.status if shown else None
    )
    yield "error 500: a fault inside"

    services.cases_open_at_once = False
    submission = ComplaintSubmission.model_validate(complaint(language=language))
    accepted = services.intake.holds(IncomingComplaint(submission=submission, channel="web"))
    open_the_case(page, language, accepted.reference, accepted.receipt)
    expect_page(page, language, words(language, "Your case is being opened"))
    yield "track: case being opened"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_states_only_stand_ins_reach_pass_axe_core(
    browser: Browser, served: Served, language: str
) -> None:
    context = browser.new_context(base_url=served.address, locale=language)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        failures: list[str] = []

        shown = [
            checked(page, language, name, failures) for name in faked_states(page, language, served)
        ]
    finally:
        context.close()

    assert shown == list(FAKED_STATES)
    assert not failures, "axe-core violations:\n" + "\n".join(failures)
