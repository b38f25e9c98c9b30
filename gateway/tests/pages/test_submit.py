"""Filing a complaint as pages: short steps, answers kept, one summary, the receipt once."""

import re

import httpx
import pytest

from gateway.pages import submit
from nowrongdoor.contracts.cases import MessageDraft

from ..fakes import FakeServices
from .conftest import heading, hidden_fields

FACTS = {
    "s.category": "maladministration",
    "s.respondent_type": "local-authority",
    "s.territory": "MA-06",
    "s.complainant_role": "citizen",
    "s.administration_contacted": "true",
    "s.court_case_pending": "false",
}
COMPLAINT = {
    "s.respondent_name": "Commune de Casablanca",
    "s.description": "No answer to my request for five months.\r\nThree visits.",
}


async def step(
    browser: httpx.AsyncClient, html: str, fields: dict[str, str], go: str = "next"
) -> httpx.Response:
    sent = hidden_fields(html, "/en/submit") | fields | {"go": go}
    return await browser.post("/en/submit", data=sent)


async def to_summary(browser: httpx.AsyncClient, identity: dict[str, str]) -> str:
    html = (await browser.get("/en/submit")).text
    html = (await step(browser, html, FACTS)).text
    html = (await step(browser, html, COMPLAINT)).text
    return (await step(browser, html, identity)).text


async def test_an_anonymous_complaint_goes_through_intake_on_the_web_channel(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    summary = await to_summary(browser, {"s.anonymous": "true"})
    assert heading(summary) == "Check and send"
    assert "Commune de Casablanca" in summary

    sent = await browser.post("/en/submit/send", data=hidden_fields(summary, "/en/submit/send"))

    assert sent.status_code == 200
    assert heading(sent.text) == "Your complaint was received"
    ((reference, filed),) = services.submissions.items()
    assert f'id="reference">{reference}<' in sent.text
    assert f'id="receipt">{filed.receipt}<' in sent.text
    assert "data-confirm-leave" in sent.text
    assert filed.complaint.channel == "web"
    submission = filed.complaint.submission
    assert submission.language == "en"
    assert submission.complainant.anonymous is True and submission.complainant.name is None
    assert submission.description == "No answer to my request for five months.\nThree visits."
    assert submission.respondent.territory == "MA-06"
    assert filed.caller.kind == "public"


async def test_sending_twice_files_once(browser: httpx.AsyncClient, services: FakeServices) -> None:
    summary = await to_summary(browser, {"s.anonymous": "true"})
    form = hidden_fields(summary, "/en/submit/send")

    first = await browser.post("/en/submit/send", data=form)
    again = await browser.post("/en/submit/send", data=form)

    assert first.status_code == 200
    assert again.status_code == 409
    assert heading(again.text) == "This complaint was already sent"
    assert len(services.submissions) == 1


async def test_coming_from_the_guide_the_facts_are_not_asked_again(
    browser: httpx.AsyncClient,
) -> None:
    html = (await browser.get("/en/guide")).text
    from_guide = {"csrf": hidden_fields(html, "/en/guide")["csrf"], "step": "start"} | FACTS

    response = await browser.post("/en/submit", data=from_guide | {"go": "next"})

    assert heading(response.text) == "What happened"
    assert hidden_fields(response.text, "/en/submit")["s.territory"] == "MA-06"


async def test_back_keeps_what_was_typed(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/en/submit")).text
    html = (await step(browser, html, FACTS)).text
    identity = (await step(browser, html, COMPLAINT)).text

    back = await step(browser, identity, {"s.anonymous": "false", "s.name": "Amina"}, go="back")

    assert heading(back.text) == "What happened"
    assert "No answer to my request for five months." in back.text
    assert hidden_fields(back.text, "/en/submit")["s.name"] == "Amina"


async def test_mistakes_are_named_at_their_fields_and_nothing_is_filed(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    html = (await browser.get("/en/submit")).text
    html = (await step(browser, html, FACTS)).text

    short = await step(browser, html, {"s.respondent_name": "", "s.description": "Too short"})
    identity = (await step(browser, html, COMPLAINT)).text
    unnamed = await step(browser, identity, {"s.anonymous": "false", "s.email": "not-an-address"})

    assert short.status_code == 422
    assert 'id="description-error"' in short.text
    assert re.search(r'id="description"[^>]*aria-invalid="true"', short.text)
    assert 'href="#respondent_name"' in short.text
    assert unnamed.status_code == 422
    assert 'id="name-error"' in unnamed.text and 'id="email-error"' in unnamed.text
    assert services.submissions == {}


async def test_intake_down_keeps_the_summary_and_files_nothing(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    summary = await to_summary(browser, {"s.anonymous": "false", "s.name": "Amina El Idrissi"})
    services.down.add("intake")

    failed = await browser.post("/en/submit/send", data=hidden_fields(summary, "/en/submit/send"))
    services.down.clear()
    retried = await browser.post(
        "/en/submit/send", data=hidden_fields(failed.text, "/en/submit/send")
    )

    assert failed.status_code == 503
    assert heading(failed.text) == "Check and send"
    assert "Amina El Idrissi" in failed.text
    assert retried.status_code == 200
    (filed,) = services.submissions.values()
    assert filed.complaint.submission.complainant.name == "Amina El Idrissi"


async def test_documents_sent_with_the_complaint_go_into_its_case(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    summary = await to_summary(browser, {"s.anonymous": "true"})

    sent = await browser.post(
        "/en/submit/send",
        data=hidden_fields(summary, "/en/submit/send"),
        files={"documents": ("lettre.txt", b"Lettre de la commune du 12 mars", "text/plain")},
    )

    assert sent.status_code == 200
    assert "Your documents were added to your case." in sent.text
    (reference,) = services.submissions
    (posted,) = [c for c in services.calls if c.operation == "post_message"]
    assert posted.caller.may_open_as_complainant(reference)
    assert isinstance(posted.sent, MessageDraft)
    assert [a.content for a in posted.sent.attachments] == [b"Lettre de la commune du 12 mars"]


async def test_documents_wait_for_the_case_and_the_complaint_is_filed_without_them(
    browser: httpx.AsyncClient, services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submit, "CASE_OPENS_WITHIN_SECONDS", 0.3)
    services.cases_open_at_once = False
    summary = await to_summary(browser, {"s.anonymous": "true"})

    sent = await browser.post(
        "/en/submit/send",
        data=hidden_fields(summary, "/en/submit/send"),
        files={"documents": ("photo.png", b"\x89PNG\r\n", "image/png")},
    )

    assert sent.status_code == 200
    assert "Your documents could not be added yet" in sent.text
    assert len(services.submissions) == 1
    assert services.count("post_message") == 0
