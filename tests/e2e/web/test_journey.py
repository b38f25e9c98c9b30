"""A citizen finds the institution, files anonymously, follows the case and talks with it.

The whole journey on the pages, in each language and once without JavaScript: the guide, the
filing, the receipt, the tracking form and the case; the Médiateur du Royaume answers through
the REST API, the citizen reads it on the page and answers, the institution reads the answer.
The runs with JavaScript in Arabic, French and Dutch leave screenshots in `build/screenshots`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from .conftest import OpenContext
from .journey import (
    GUIDE_ANSWERS,
    LANGUAGES,
    MEDIATEUR,
    WRITTEN,
    Dialogs,
    Institution,
    answer_the_guide,
    choose_and_go_on,
    continue_button,
    exactly,
    expect_page,
    expect_step,
    expect_the_case,
    expect_the_guide_answer,
    expect_the_summary,
    expect_the_track_form,
    fill_the_complaint,
    keep_screenshot,
    kept_link,
    navigating,
    needs_chromium,
    open_button,
    question_on_page,
    read_the_receipt,
    send_button,
    wait_for_message,
    wait_for_the_case,
    words,
)

pytestmark = needs_chromium


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


LETTER = b"La commune ne m'a pas repondu depuis le 12 mars."


def the_journey(
    context: BrowserContext, language: str, mediateur: Institution, *, javascript: bool
) -> None:
    page = context.new_page()
    dialogs = Dialogs(page)
    written = WRITTEN[language]

    def picture(name: str) -> None:
        if javascript:
            keep_screenshot(page, language, name)

    # The address alone leads to the home page in the language the browser asks for.
    page.goto("/")
    assert path_of(page) == f"/{language}/"
    expect_page(
        page, language, words(language, "Complain to the right institution, through any door")
    )
    picture("home")

    navigating(page, page.locator(f'main a[href="/{language}/guide"]').click)
    expect_page(page, language)
    assert question_on_page(page) == "category"
    picture("guide")
    choose_and_go_on(page, "category")
    assert question_on_page(page) == "respondent_type"
    navigating(page, page.locator("main button[name=go][value=back]").click)
    assert question_on_page(page) == "category"  # going back keeps the answer given
    expect(page.locator('input[name="q.category"][value="maladministration"]')).to_be_checked()
    assert answer_the_guide(page) == list(GUIDE_ANSWERS)
    expect_the_guide_answer(page, language)

    # The guide's answers are the facts: filing starts at what happened.
    navigating(page, page.locator('main form[action$="/submit"] button').click)
    expect_step(page, language, "What happened")
    picture("submit")
    fill_the_complaint(page, language)
    navigating(page, continue_button(page).click)
    expect_step(page, language, "Anonymous or not")
    page.check('input[name="s.anonymous"][value="true"]')
    navigating(page, continue_button(page).click)
    expect_step(page, language, "Check and send")
    expect_the_summary(page, language)
    if not javascript:  # a document chosen with the complaint goes into its case
        page.set_input_files(
            "#documents",
            files=[FilePayload(name="lettre.txt", mimeType="text/plain", buffer=LETTER)],
        )
    navigating(page, send_button(page).click)
    reference, receipt = read_the_receipt(page, language)
    if not javascript:
        added = words(language, "Your documents were added to your case.")
        expect(page.locator("main")).to_contain_text(added)
        sent = mediateur.message_from_complainant(
            reference, words(language, "Documents sent with my complaint.")
        )
        assert [a["media_type"] for a in sent["attachments"]] == ["text/plain"]
    helpers = page.locator("main button.js-only")  # copy the reference, the receipt; print
    expect(helpers).to_have_count(3)
    for helper in helpers.all():
        if javascript:
            expect(helper).to_be_visible()
        else:
            expect(helper).to_be_hidden()
    picture("receipt")

    if javascript:  # leaving the receipt any other way asks first
        dialogs.refuse_next = True
        page.locator(f'header a[href="/{language}/help"]').click()
        expect(page.locator("#receipt")).to_have_text(receipt)
        assert dialogs.seen == ["beforeunload"]
    navigating(page, kept_link(page).click)
    assert dialogs.seen == (["beforeunload", "confirm"] if javascript else [])
    expect_the_track_form(page, language, reference)
    page.fill("#receipt", receipt)
    navigating(page, open_button(page).click)
    wait_for_the_case(page, language, reference)
    assert path_of(page) == f"/{language}/track"
    expect_the_case(page, language)
    session = {cookie["name"]: cookie for cookie in context.cookies()}["nwd_case"]
    assert (session["httpOnly"], session["secure"], session["sameSite"]) == (True, True, "Strict")
    picture("case")

    case = mediateur.case(reference)
    complaint = mediateur.complaint(reference)
    assert case["institutions"][0]["institution_id"] == "ma-mediateur"
    assert (complaint["channel"], complaint["language"], complaint["anonymous"]) == (
        "web",
        language,
        True,
    )
    assert (complaint["description"], complaint["respondent_name"]) == (
        written.description,
        written.respondent,
    )
    mediateur.write(reference, written.reply)

    reply = wait_for_message(page, written.reply)
    expect(reply).to_contain_text(MEDIATEUR[language])
    page.fill("#body", written.answer)
    navigating(page, page.locator('main form[action$="/track/reply"] button[type=submit]').click)
    expect_page(page, language)
    expect(page.locator("main p.done[role=status]")).to_have_text(
        exactly(words(language, "Your message was sent."))
    )
    documents = [] if javascript else [words(language, "Documents sent with my complaint.")]
    expect(page.locator("main ol.messages > li")).to_have_count(len(documents) + 2)
    expect(page.locator("main ol.messages > li.mine").last).to_contain_text(written.answer)
    mediateur.message_from_complainant(reference, written.answer)
    assert [m["body"] for m in mediateur.case(reference)["messages"]] == [
        *documents,
        written.reply,
        written.answer,
    ]

    navigating(page, page.locator('main form[action$="/track/leave"] button').click)
    expect_page(page, language, words(language, "Follow my case"))
    expect(page.locator("main p.done[role=status]")).to_have_text(
        exactly(
            words(
                language,
                "You have left your case. To read it again, give your reference and receipt.",
            )
        )
    )
    assert "nwd_case" not in {cookie["name"] for cookie in context.cookies()}
    page.goto(f"/{language}/track")
    expect(page.locator("#status-words")).to_have_count(0)
    expect(page.locator("#receipt")).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_citizen_files_follows_and_answers_the_institution(
    open_context: OpenContext, mediateur: Institution, language: str
) -> None:
    the_journey(open_context(language), language, mediateur, javascript=True)


def test_the_same_journey_works_without_javascript(
    open_context: OpenContext, mediateur: Institution
) -> None:
    the_journey(open_context("fr", javascript=False), "fr", mediateur, javascript=False)
