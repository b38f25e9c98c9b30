"""Every form of the pages refuses a POST without this browser's form token: a page in the
person's language says so, and nothing is changed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI

from gateway import pages
from gateway.languages import LANGUAGES
from gateway.pages.rendering import FORM_COOKIE, translate

from ..fakes import FakeServices
from .conftest import browsing, form_token, heading
from .test_track import filed, opened

EXPIRED: Final = "This form has expired"
STATE: Final = {
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
FORMS: Final[dict[str, dict[str, str]]] = {
    "/{language:lang}/guide": {"step": "0", "q.category": "maladministration", "go": "next"},
    "/{language:lang}/submit": {"step": "facts", "go": "next"} | STATE,
    "/{language:lang}/submit/send": {"once": "a-token-of-the-summary-page"} | STATE,
    "/{language:lang}/track": {"reference": "", "receipt": ""},
    "/{language:lang}/track/reply": {"body": "Here is the number you asked for."},
    "/{language:lang}/track/contact": {"email": "amina@example.org", "receipt": "", "go": "save"},
    "/{language:lang}/track/withdraw": {"reason": "Settled.", "confirm": "yes"},
    "/{language:lang}/track/personal-data": {"receipt": ""},
    "/{language:lang}/track/personal-data/erase": {"receipt": "", "confirm": "yes"},
    "/{language:lang}/track/leave": {},
}
"""Each form of the pages, filled in as a person would: with a right token, each would act."""
FORGERIES: Final = ("no token", "another browser's token", "no form cookie")


def page_forms() -> set[str]:
    """The path of every POST route declared in the pages' source."""
    source = Path(pages.__file__).parent
    return {
        found
        for module in source.rglob("*.py")
        for found in re.findall(r'@router\.post\(\s*"([^"]+)"', module.read_text())
    }


def test_every_form_of_the_pages_is_checked_here() -> None:
    assert page_forms() == set(FORMS), "a form of the pages is missing from FORMS, or is gone"


async def forged(
    browser: httpx.AsyncClient,
    app: FastAPI,
    services: FakeServices,
    path: str,
    language: str,
    forgery: str,
) -> httpx.Response:
    """Open a case in this browser, then post `path`'s form filled in, but forged."""
    reference, receipt = filed(services)
    await opened(browser, reference, receipt)
    html = (await browser.get(f"/{language}/track")).text
    assert reference in html, "the case is open: only the token is missing"
    data = FORMS[path] | {
        key: value
        for key, value in (("reference", reference), ("receipt", receipt))
        if key in FORMS[path]
    }
    if forgery == "another browser's token":
        async with browsing(app) as other:
            data["csrf"] = form_token((await other.get(f"/{language}/track")).text)
    elif forgery == "no form cookie":
        data["csrf"] = form_token(html)
        browser.cookies.delete(FORM_COOKIE)
    services.calls.clear()
    # Encoded as a browser does, so even a form with no field left is a form.
    return await browser.post(
        path.replace("{language:lang}", language),
        content=urlencode(data),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def expect_refused_and_nothing_changed(
    refused: httpx.Response, browser: httpx.AsyncClient, services: FakeServices, language: str
) -> None:
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert f'<html lang="{language}"' in refused.text
    assert heading(refused.text) == translate(language, EXPIRED)
    assert services.calls == [], "no service was asked anything"
    assert "nwd_case=" not in refused.headers.get("set-cookie", ""), "no session opened or ended"
    ((reference, kept),) = services.submissions.items()
    assert kept.contact is None, "no address was changed"
    assert kept.erased_at is None, "no personal data was erased"
    after = await browser.get(f"/{language}/track")
    assert reference in after.text, "the session is still open"
    assert len(services.submissions) == 1, "no complaint was filed"
    assert services.count("withdraw") == services.count("post_message") == 0


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", FORMS)
async def test_a_form_sent_without_its_token_is_refused_in_the_person_s_language(
    browser: httpx.AsyncClient, app: FastAPI, services: FakeServices, path: str, language: str
) -> None:
    refused = await forged(browser, app, services, path, language, "no token")

    await expect_refused_and_nothing_changed(refused, browser, services, language)


@pytest.mark.parametrize("forgery", FORGERIES[1:])
@pytest.mark.parametrize("path", FORMS)
async def test_a_token_not_bound_to_this_browser_s_cookie_is_refused(
    browser: httpx.AsyncClient, app: FastAPI, services: FakeServices, path: str, forgery: str
) -> None:
    refused = await forged(browser, app, services, path, "ar", forgery)

    await expect_refused_and_nothing_changed(refused, browser, services, "ar")
