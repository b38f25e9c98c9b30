"""Filing a complaint as pages: short steps, answers kept, one summary, the receipt once."""

import re
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from gateway.app import create_app
from gateway.pages import submit
from gateway.settings import GatewaySettings
from nowrongdoor.contracts.cases import MessageDraft

from ..fakes import FakeServices
from .conftest import browsing, heading, hidden_fields

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
    """Send the step's form as a browser would, and follow on to the page it leads to."""
    sent = hidden_fields(html, "/en/submit") | fields | {"go": go}
    return await browser.post("/en/submit", data=sent, follow_redirects=True)


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

    response = await browser.post(
        "/en/submit", data=from_guide | {"go": "next"}, follow_redirects=True
    )

    assert response.url.path == "/en/submit/complaint"
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

    failed = await browser.post(
        "/en/submit/send", data=hidden_fields(summary, "/en/submit/send"), follow_redirects=True
    )
    services.down.clear()
    retried = await browser.post(
        "/en/submit/send", data=hidden_fields(failed.text, "/en/submit/send")
    )

    assert failed.status_code == 503
    assert failed.url.path == "/en/submit/confirm"
    assert heading(failed.text) == "Check and send"
    assert "The service is not answering right now" in failed.text
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


IDENTITY = {
    "s.anonymous": "false",
    "s.name": "Amina El Idrissi",
    "s.email": "amina.elidrissi@example.org",
    "s.phone": "+212612345678",
}


async def kept_in_redis(redis_url: str, prefix: str) -> dict[str, bytes]:
    """Every draft Redis keeps under the test's prefix, by key."""
    redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}pages:draft:*")]
        values = [await redis.get(key) for key in keys]
        return {k.decode(): v for k, v in zip(keys, values, strict=True) if isinstance(v, bytes)}
    finally:
        await redis.aclose()


async def test_each_step_leads_to_an_address_a_reload_only_reads(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    html = (await browser.get("/en/submit")).text

    sent = await browser.post(
        "/en/submit", data=hidden_fields(html, "/en/submit") | FACTS | {"go": "next"}
    )
    shown = await browser.get(sent.headers["location"])
    reloaded = await browser.get(sent.headers["location"])

    assert sent.status_code == 303
    assert sent.headers["location"] == "/en/submit/complaint"
    assert heading(shown.text) == heading(reloaded.text) == "What happened"
    assert hidden_fields(reloaded.text, "/en/submit")["s.territory"] == "MA-06"
    assert services.submissions == {}


async def test_back_to_an_earlier_step_shows_what_was_given(browser: httpx.AsyncClient) -> None:
    await to_summary(browser, IDENTITY)

    complaint = await browser.get("/en/submit/complaint")
    facts = await browser.get("/en/submit/facts")
    identity = await browser.get("/en/submit/identity")

    assert heading(complaint.text) == "What happened"
    assert "No answer to my request for five months.\nThree visits." in complaint.text
    assert 'value="Commune de Casablanca"' in complaint.text
    assert heading(facts.text) == "About your complaint"
    assert 'value="MA-06" selected' in facts.text
    assert re.search(r'name="s.complainant_role" value="citizen" checked', facts.text)
    assert 'value="amina.elidrissi@example.org"' in identity.text


async def test_another_language_shows_the_same_step_with_the_same_answers(
    browser: httpx.AsyncClient,
) -> None:
    html = (await browser.get("/en/submit")).text
    html = (await step(browser, html, FACTS)).text
    identity = await step(browser, html, COMPLAINT)
    assert 'href="/de/submit/identity"' in identity.text, "the language link stays on this step"

    german = await browser.get("/de/submit/identity")
    summary_in_arabic = await browser.get("/ar/submit/confirm", follow_redirects=True)

    assert '<html lang="de"' in german.text
    assert heading(german.text) == "Anonym oder nicht"
    assert hidden_fields(german.text, "/de/submit")["s.respondent_name"] == "Commune de Casablanca"
    assert summary_in_arabic.url.path == "/ar/submit/identity", "no step is skipped"


async def test_mistakes_stay_with_their_step_in_every_language(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/en/submit")).text
    html = (await step(browser, html, FACTS)).text
    await step(browser, html, {"s.respondent_name": "Commune", "s.description": "Too short"})

    french = await browser.get("/fr/submit/complaint")

    assert french.status_code == 422
    assert 'id="description-error"' in french.text
    assert 'value="Commune"' in french.text
    assert "Tell what happened" not in french.text, "the mistake is named in French"


async def test_the_draft_in_redis_holds_nothing_readable(
    browser: httpx.AsyncClient, redis_url: str, redis_prefix: str
) -> None:
    await to_summary(browser, IDENTITY)

    kept = await kept_in_redis(redis_url, redis_prefix)

    assert kept, "the steps are kept in a draft"
    cookie = browser.cookies["nwd_draft"]
    for key, sealed in kept.items():
        assert cookie.split(".")[0] not in key, "the draft's id is only hashed into its key"
        for planted in ("Amina", "amina.elidrissi", "612345678", "five months", "Casablanca"):
            assert planted.encode() not in sealed


async def test_sending_forgets_the_draft(
    browser: httpx.AsyncClient, services: FakeServices, redis_url: str, redis_prefix: str
) -> None:
    summary = await to_summary(browser, IDENTITY)

    sent = await browser.post("/en/submit/send", data=hidden_fields(summary, "/en/submit/send"))
    back = await browser.get("/en/submit/confirm", follow_redirects=True)

    assert heading(sent.text) == "Your complaint was received"
    assert len(services.submissions) == 1
    assert await kept_in_redis(redis_url, redis_prefix) == {}
    assert "nwd_draft" not in browser.cookies
    assert back.url.path == "/en/submit/facts"
    assert "Amina" not in back.text and "five months" not in back.text


async def test_without_redis_the_steps_still_answer_each_form_itself(
    services: FakeServices, tmp_path: Path, database_url: str
) -> None:
    settings = GatewaySettings(
        environment="test",
        redis_url="redis://127.0.0.1:1/0",
        redis_prefix="t:",
        data_dir=tmp_path,
        database_url=database_url,
        tracking_cache_seconds=0,
    )
    async with browsing(create_app(settings, services.upstreams())) as browser:
        html = (await browser.get("/en/submit")).text
        complaint = await step(browser, html, FACTS)
        short = await step(browser, complaint.text, {"s.description": "Too short"})
        identity = await step(browser, short.text, COMPLAINT)
        back = await step(browser, identity.text, {"s.anonymous": "true"}, go="back")
        identity = await step(browser, back.text, COMPLAINT)
        summary = await step(browser, identity.text, {"s.anonymous": "true"})

    assert not complaint.history, "the form's own answer, with no draft to redirect to"
    assert heading(complaint.text) == "What happened"
    assert short.status_code == 422 and 'id="description-error"' in short.text
    assert heading(back.text) == "What happened"
    assert "No answer to my request for five months." in back.text
    assert heading(summary.text) == "Check and send"
    assert "Commune de Casablanca" in summary.text
