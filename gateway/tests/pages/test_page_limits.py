"""The API's abuse limits hold on the pages: the receipt lockout on the tracking forms, the limit
on complaints filed from one network on the web form; each refusal a page in the person's
language."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Final

import httpx
import pytest
from fastapi import FastAPI
from markupsafe import escape

from gateway.app import create_app
from gateway.edge.limit_settings import LimitSettings
from gateway.edge.limits import Limits
from gateway.languages import LANGUAGES
from gateway.pages.rendering import translate
from gateway.settings import GatewaySettings

from ..fakes import FakeServices
from .conftest import browsing, form_token, heading
from .test_track import filed

LOCK_AFTER: Final = 3
NO_MATCH: Final = "No case matches this reference and receipt. Check both and try again."
FILLED_IN: Final = {
    "s.category": "maladministration",
    "s.respondent_type": "local-authority",
    "s.territory": "MA-06",
    "s.complainant_role": "citizen",
    "s.administration_contacted": "true",
    "s.court_case_pending": "false",
    "s.respondent_name": "Commune de Casablanca",
    "s.description": "No answer to my request for five months.",
    "s.anonymous": "true",
}


def shown(language: str, message: str) -> str:
    """A message of the catalogue as the page writes it."""
    return str(escape(translate(language, message)))


async def no_wait(_: float) -> None:
    """The guard's slowdown, skipped: the lock is what these tests look at."""


@pytest.fixture
def limited(app_settings: GatewaySettings, services: FakeServices) -> FastAPI:
    """A gateway that locks a reference after a few wrong receipts and lets one complaint a
    network through per hour; other requests are not limited in reach of these tests."""
    settings = LimitSettings(
        rate_limit_public_paths="1000/minute",
        submissions_anonymous="1/hour",
        receipt_failures_before_lock=LOCK_AFTER,
        receipt_lock_seconds=900,
    )
    return create_app(app_settings, services.upstreams(), Limits(settings=settings, sleep=no_wait))


@pytest.fixture
async def person(limited: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browsing(limited) as client:
        yield client


async def try_receipt(
    browser: httpx.AsyncClient, language: str, reference: str, receipt: str
) -> httpx.Response:
    token = form_token((await browser.get(f"/{language}/track")).text)
    return await browser.post(
        f"/{language}/track", data={"csrf": token, "reference": reference, "receipt": receipt}
    )


def wrong_for(receipt: str) -> str:
    return "1" * 16 if receipt != "1" * 16 else "2" * 16


@pytest.mark.parametrize("language", LANGUAGES)
async def test_after_too_many_wrong_receipts_even_the_right_one_opens_nothing(
    person: httpx.AsyncClient, services: FakeServices, language: str
) -> None:
    reference, receipt = filed(services)
    for _ in range(LOCK_AFTER):
        wrong = await try_receipt(person, language, reference, wrong_for(receipt))
        assert wrong.status_code == 404

    locked = await try_receipt(person, language, reference, receipt)
    after = await person.get(f"/{language}/track")

    assert locked.status_code == 404
    assert f'<html lang="{language}"' in locked.text
    assert shown(language, NO_MATCH) in locked.text, "said plainly, in the person's language"
    assert 'aria-invalid="true"' in locked.text
    assert "nwd_case=" not in locked.headers.get("set-cookie", "")
    assert services.count("check_receipt") == LOCK_AFTER, "intake is not asked while locked"
    assert reference not in after.text, "still the form: no case is open"


async def test_while_locked_the_right_receipt_changes_no_address_either(
    person: httpx.AsyncClient, limited: FastAPI, services: FakeServices
) -> None:
    reference, receipt = filed(services)
    opened = await try_receipt(person, "fr", reference, receipt)
    assert opened.status_code == 303
    token = form_token((await person.get("/fr/track")).text)
    async with browsing(limited) as stranger:
        for _ in range(LOCK_AFTER):
            await try_receipt(stranger, "fr", reference, wrong_for(receipt))

    refused = await person.post(
        "/fr/track/contact",
        data={"csrf": token, "email": "amina@example.org", "receipt": receipt, "go": "save"},
    )

    assert refused.status_code == 422
    assert shown("fr", "This receipt is not the one of this case.") in refused.text
    assert services.count("change_contact") == 0
    assert services.submissions[reference].contact is None


async def send_a_complaint(browser: httpx.AsyncClient, language: str) -> httpx.Response:
    """The summary's form, filled in and sent, as from a fresh summary page."""
    token = form_token((await browser.get(f"/{language}/track")).text)
    once = secrets.token_urlsafe(24)
    return await browser.post(
        f"/{language}/submit/send", data={"csrf": token, "once": once} | FILLED_IN
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_web_form_files_no_more_complaints_than_the_limit(
    person: httpx.AsyncClient, services: FakeServices, language: str
) -> None:
    first = await send_a_complaint(person, language)
    second = await send_a_complaint(person, language)

    assert first.status_code == 200 and len(services.submissions) == 1
    assert second.status_code == 429
    assert int(second.headers["retry-after"]) > 0
    assert second.headers["content-type"].startswith("text/html")
    assert f'<html lang="{language}"' in second.text
    assert heading(second.text) == shown(language, "Too many attempts")
    assert len(services.submissions) == 1, "the second complaint was not filed"
    assert services.count("submit") == 1


async def test_a_complaint_refused_by_the_form_does_not_count(
    person: httpx.AsyncClient, services: FakeServices
) -> None:
    token = form_token((await person.get("/en/track")).text)
    incomplete = FILLED_IN | {"s.description": "Short."}

    refused = await person.post(
        "/en/submit/send", data={"csrf": token, "once": "first"} | incomplete
    )
    assert refused.status_code != 200 and services.count("submit") == 0
    accepted = await send_a_complaint(person, "en")

    assert accepted.status_code == 200
    assert len(services.submissions) == 1
