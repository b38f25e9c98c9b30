"""The browser's own Back and Forward buttons, and a language link, in the middle of the guide and
of filing: the earlier step comes back with its answer, never "Confirm form resubmission"."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from .conftest import OpenContext
from .journey import (
    FACT_TERRITORY,
    GUIDE_ANSWERS,
    WRITTEN,
    choose_and_go_on,
    continue_button,
    expect_page,
    expect_step,
    fill_the_complaint,
    fill_the_facts,
    navigating,
    needs_chromium,
    question_on_page,
)

pytestmark = needs_chromium


def arrived(page: Page, response: Response | None, path: str) -> None:
    """A page of the site was shown at `path`, not the browser's own error page."""
    assert response is not None, "the browser showed no page of the site"
    assert response.ok, response.status
    assert urlsplit(page.url).path == path, page.url


def expect_chosen(page: Page, question: str) -> None:
    answer = GUIDE_ANSWERS[question]
    expect(page.locator(f'input[name="q.{question}"][value="{answer}"]')).to_be_checked()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "without-javascript"])
def test_back_and_forward_show_each_step_with_its_answer(
    open_context: OpenContext, javascript: bool
) -> None:
    page = open_context("en", javascript=javascript).new_page()
    written = WRITTEN["en"]

    page.goto("/en/guide")
    choose_and_go_on(page, "category")
    choose_and_go_on(page, "respondent_type")
    assert question_on_page(page) == "country"

    arrived(page, page.go_back(), "/en/guide/2")
    expect_page(page, "en")
    assert question_on_page(page) == "respondent_type"
    expect_chosen(page, "respondent_type")
    arrived(page, page.go_back(), "/en/guide")
    assert question_on_page(page) == "category"
    expect_chosen(page, "category")
    arrived(page, page.go_forward(), "/en/guide/2")
    expect_chosen(page, "respondent_type")

    page.goto("/en/submit")
    fill_the_facts(page)
    navigating(page, continue_button(page).click)
    expect_step(page, "en", "What happened")
    fill_the_complaint(page, "en")
    navigating(page, continue_button(page).click)
    expect_step(page, "en", "Anonymous or not")

    arrived(page, page.go_back(), "/en/submit/complaint")
    expect_step(page, "en", "What happened")
    expect(page.locator("#respondent_name")).to_have_value(written.respondent)
    expect(page.locator("#description")).to_have_value(written.description)
    arrived(page, page.go_back(), "/en/submit")
    expect_step(page, "en", "About your complaint")
    expect(page.locator("#territory")).to_have_value(FACT_TERRITORY)
    arrived(page, page.reload(), "/en/submit")
    expect(page.locator("#territory")).to_have_value(FACT_TERRITORY)
    arrived(page, page.go_forward(), "/en/submit/complaint")
    expect(page.locator("#description")).to_have_value(written.description)

    # Another language shows the same step with the same answers.
    navigating(page, page.locator('nav[aria-label] a[hreflang="fr"]').click)
    arrived(page, page.reload(), "/fr/submit/complaint")
    expect_step(page, "fr", "What happened")
    expect(page.locator("#description")).to_have_value(written.description)
