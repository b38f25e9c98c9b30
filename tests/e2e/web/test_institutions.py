"""A person chooses a trusted intermediary: from the home page to the NGOs an institution accredits.

The platform runs in development, so routing has loaded the demo's accreditations: the INPPLC
accredits Transparency Maroc and publishes its criteria in Arabic, French and English. The
pages are read without JavaScript, as the slowest phone would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final

import pytest
from babel import Locale
from playwright.sync_api import expect

from .conftest import OpenContext
from .journey import INPPLC, LANGUAGES, expect_page, navigating, needs_chromium, words

pytestmark = needs_chromium

PROTECTS_REPORTERS: Final = {
    "ar": "تحمي هوية من يبلّغها، ولا تكشفها إلا بموافقته.",
    "fr": "Elle protège l'identité de qui la saisit et ne la révèle qu'avec son accord.",
    "en": (
        "It protects the identity of whoever reports to it and reveals it only with their consent."
    ),
}
"""One of the INPPLC's criteria, in the languages it publishes them in."""


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_person_finds_the_ngos_an_institution_accredits_and_its_criteria(
    open_context: OpenContext, language: str
) -> None:
    page = open_context(language, javascript=False).new_page()
    page.goto(f"/{language}/")

    navigating(page, page.locator(f'main a[href="/{language}/institutions/ma-inpplc"]').click)

    expect_page(page, language, INPPLC[language])
    ngo = page.locator("main ul.cards > li", has_text="Transparency Maroc")
    expect(ngo).to_have_count(1)
    expect(ngo.locator("h3")).to_have_text("Transparency Maroc")
    expect(ngo.locator("dd").nth(0)).to_contain_text(words(language, "Corruption"))
    expect(ngo.locator("dd").nth(1)).to_contain_text(Locale.parse(language).territories["MA"])
    since, until = (
        date.fromisoformat(ngo.locator("time").nth(i).get_attribute("datetime") or "")
        for i in (0, 1)
    )
    assert since <= datetime.now(UTC).date() < until, (since, until)
    criterion = page.locator("main ol.criteria > li", has_text=PROTECTS_REPORTERS["en"])
    if language in PROTECTS_REPORTERS:
        criterion = page.locator("main ol.criteria > li", has_text=PROTECTS_REPORTERS[language])
        expect(criterion.locator("p[lang]")).to_have_count(0)
    else:
        expect(criterion.locator("p[lang]")).to_have_attribute("lang", "en")
        expect(criterion.locator("p.meta")).to_have_count(1)
    expect(criterion).to_have_count(1)
