"""Every page a citizen can reach, visited in order for the checks that look at each one.

The accessibility and page-weight tests walk this tour in each language; it reuses the steps of
`journey`, so a page the journey changes changes here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from playwright.sync_api import Page, expect

from .journey import (
    FACT_CHOICES,
    FACT_RADIOS,
    INPPLC,
    MEDIATEUR,
    Dialogs,
    answer_the_guide,
    continue_button,
    expect_page,
    expect_step,
    expect_the_case,
    expect_the_guide_answer,
    expect_the_summary,
    expect_the_track_form,
    fill_the_complaint,
    fill_the_facts,
    kept_link,
    navigating,
    open_button,
    question_on_page,
    read_the_receipt,
    send_button,
    wait_for_the_case,
    words,
)

PAGES: Final = (
    "home",
    "help",
    "accessibility",
    "privacy",
    "page not found",
    "institution",
    "institution, no NGO",
    "guide: first question",
    "guide: answer",
    "submit: facts",
    "submit: facts, nothing chosen",
    "submit: complaint",
    "submit: complaint, nothing written",
    "submit: identity",
    "submit: confirm",
    "receipt",
    "track: form",
    "track: wrong receipt",
    "case",
)
"""The pages `every_page` visits, in its order."""


def expect_errors(page: Page, fields: list[str]) -> None:
    """The error summary names each field, and each field says it is invalid."""
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary.locator("a")).to_have_count(len(fields))
    assert [summary.locator("a").nth(i).get_attribute("href") for i in range(len(fields))] == [
        f"#{field}" for field in fields
    ]
    for field in fields:
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")


def every_page(page: Page, language: str) -> Iterator[str]:
    """Visit every page a citizen can reach in one language; each is named once it shows.

    After the pages that explain come two institutions' pages: one that accredits an NGO and
    publishes criteria (in some languages only), one that does neither. Filing goes through
    every step of the form (the facts asked as the form asks them, and steps sent incomplete),
    then the receipt, the tracking form with a wrong receipt, and the case the receipt opens.
    """
    dialogs = Dialogs(page)
    page.goto(f"/{language}/")
    expect_page(
        page, language, words(language, "Complain to the right institution, through any door")
    )
    yield "home"
    for path, title in (
        ("help", "Help"),
        ("accessibility", "Accessibility"),
        ("privacy", "Privacy"),
    ):
        page.goto(f"/{language}/{path}")
        expect_page(page, language, words(language, title))
        yield path
    missing = page.goto(f"/{language}/no-such-page")
    assert missing is not None and missing.status == 404
    expect_page(page, language, words(language, "Page not found"))
    yield "page not found"
    page.goto(f"/{language}/institutions/ma-inpplc")
    expect_page(page, language, INPPLC[language])
    yield "institution"
    page.goto(f"/{language}/institutions/ma-mediateur")
    expect_page(page, language, MEDIATEUR[language])
    yield "institution, no NGO"

    page.goto(f"/{language}/guide")
    expect_page(page, language)
    assert question_on_page(page) == "category"
    yield "guide: first question"
    answer_the_guide(page)
    expect_the_guide_answer(page, language)
    yield "guide: answer"

    page.goto(f"/{language}/submit")
    expect_step(page, language, "About your complaint")
    yield "submit: facts"
    navigating(page, continue_button(page).click)
    expect_step(page, language, "About your complaint")
    expect_errors(page, [*FACT_CHOICES, "territory", *FACT_RADIOS])
    yield "submit: facts, nothing chosen"
    fill_the_facts(page)
    navigating(page, continue_button(page).click)
    expect_step(page, language, "What happened")
    yield "submit: complaint"
    navigating(page, continue_button(page).click)
    expect_step(page, language, "What happened")
    expect_errors(page, ["respondent_name", "description"])
    yield "submit: complaint, nothing written"
    fill_the_complaint(page, language)
    navigating(page, continue_button(page).click)
    expect_step(page, language, "Anonymous or not")
    yield "submit: identity"
    page.check('input[name="s.anonymous"][value="true"]')
    navigating(page, continue_button(page).click)
    expect_step(page, language, "Check and send")
    expect_the_summary(page, language)
    yield "submit: confirm"
    navigating(page, send_button(page).click)
    reference, receipt = read_the_receipt(page, language)
    yield "receipt"

    navigating(page, kept_link(page).click)
    assert dialogs.seen == ["confirm"], dialogs.seen
    expect_the_track_form(page, language, reference)
    yield "track: form"
    page.fill("#receipt", "0" * 16)
    navigating(page, open_button(page).click)
    expect_page(page, language, words(language, "Follow my case"))
    expect(page.locator(".error-summary[role=alert]")).to_contain_text(
        words(language, "No case matches this reference and receipt. Check both and try again.")
    )
    expect(page.locator("#receipt")).to_have_attribute("aria-invalid", "true")
    yield "track: wrong receipt"
    page.fill("#receipt", receipt)
    navigating(page, open_button(page).click)
    wait_for_the_case(page, language, reference)
    expect_the_case(page, language)
    yield "case"
