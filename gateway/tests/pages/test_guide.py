"""The guide as pages: one question each, answers kept going back and forth, routing's answer."""

import re
from pathlib import Path

import httpx

from gateway.app import create_app
from gateway.settings import GatewaySettings
from nowrongdoor.contracts.routing import GuideAnswers

from ..fakes import FakeServices
from .conftest import browsing, form_token, heading, hidden_fields

ANSWERS = {
    "category": "maladministration",
    "respondent_type": "local-authority",
    "country": "MA",
    "region": "MA-06",
    "complainant_role": "citizen",
    "administration_contacted": "true",
    "court_case_pending": "false",
}


async def send(
    browser: httpx.AsyncClient, html: str, value: str | None, go: str = "next"
) -> httpx.Response:
    """Send the question's page as a browser would, with `value` chosen, or what is checked;
    the answer as it comes, before any redirect is followed."""
    fields = hidden_fields(html, "/en/guide")
    question = heading(html).removesuffix("?")
    checked = re.search(rf'name="q\.{question}" value="([^"]+)" checked', html)
    if value is not None or checked:
        fields[f"q.{question}"] = value or checked.group(1)  # type: ignore[union-attr]
    return await browser.post("/en/guide", data=fields | {"go": go})


async def answer(browser: httpx.AsyncClient, html: str, value: str | None, go: str = "next") -> str:
    """The page the browser shows once it has sent the question's page and followed on."""
    response = await send(browser, html, value, go)
    if response.is_redirect:
        response = await browser.get(response.headers["location"])
    return response.text


async def answered(browser: httpx.AsyncClient, *questions: str) -> str:
    """The page shown once the guide's first questions are answered as ANSWERS says."""
    html = (await browser.get("/en/guide")).text
    for question in questions:
        html = await answer(browser, html, ANSWERS[question])
    return html


async def test_one_question_a_page_ends_in_routing_s_answer(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    html = (await browser.get("/en/guide")).text
    asked = []
    while "q." in html and heading(html).endswith("?"):
        question = heading(html).removesuffix("?")
        asked.append(question)
        html = await answer(browser, html, ANSWERS[question])

    assert asked == list(ANSWERS)
    assert heading(html) == "This institution is the one for you"
    assert "Institution of the Mediator of the Kingdom" in html
    decided = services.routing.calls[-1]
    assert decided.operation == "answer_guide"
    assert decided.sent == GuideAnswers(
        category="maladministration",
        respondent_type="local-authority",
        territory="MA-06",
        complainant_role="citizen",
        administration_contacted=True,
        court_case_pending=False,
    )
    # The button to submit carries the answers, so the form does not ask them again.
    carried = hidden_fields(html, "/en/submit")
    assert carried["s.territory"] == "MA-06"
    assert carried["s.administration_contacted"] == "true"


async def test_going_back_keeps_every_answer(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/en/guide")).text
    for question in ("category", "respondent_type", "country"):
        html = await answer(browser, html, ANSWERS[question])
    assert heading(html) == "region?"

    back = await answer(browser, html, None, go="back")
    back_again = await answer(browser, back, None, go="back")
    forward = await answer(browser, back_again, None)

    assert heading(back) == "country?"
    assert 'value="MA" checked' in back
    assert heading(back_again) == "respondent_type?"
    assert 'value="local-authority" checked' in back_again
    assert heading(forward) == "country?"
    assert 'value="MA" checked' in forward


async def test_no_region_is_asked_outside_the_network(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/en/guide")).text
    for question in ("category", "respondent_type"):
        html = await answer(browser, html, ANSWERS[question])

    after_elsewhere = await answer(browser, html, "ZZ")

    assert heading(after_elsewhere) == "complainant_role?"


async def test_an_unanswered_question_says_so_at_its_field(browser: httpx.AsyncClient) -> None:
    html = (await browser.get("/en/guide")).text

    response = await browser.post(
        "/en/guide", data=hidden_fields(html, "/en/guide") | {"go": "next"}, follow_redirects=True
    )

    assert [r.status_code for r in response.history] == [303]
    assert response.url.path == "/en/guide/1"
    assert response.status_code == 422
    assert heading(response.text) == "category?"
    assert 'role="alert"' in response.text
    assert "Choose one of the answers." in response.text
    assert 'aria-describedby=" question-error"' in response.text


async def test_a_form_from_elsewhere_is_refused_and_nothing_is_asked(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    html = (await browser.get("/en/guide")).text
    browser.cookies.clear()

    refused = await browser.post(
        "/en/guide", data={"csrf": form_token(html), "q.category": "maladministration"}
    )

    assert refused.status_code == 403
    assert heading(refused.text) == "This form has expired"
    assert "text/html" in refused.headers["content-type"]
    assert services.count("answer_guide") == 0


async def test_each_answer_leads_to_an_address_a_reload_only_reads(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    html = (await browser.get("/en/guide")).text

    sent = await send(browser, html, ANSWERS["category"])
    shown = await browser.get(sent.headers["location"])
    reloaded = await browser.get(sent.headers["location"])

    assert sent.status_code == 303
    assert sent.headers["location"] == "/en/guide/2"
    assert heading(shown.text) == heading(reloaded.text) == "respondent_type?"
    assert reloaded.status_code == 200
    assert "maladministration" not in sent.headers["location"], "answers never in the address"


async def test_back_to_an_earlier_address_shows_its_answer_still_chosen(
    browser: httpx.AsyncClient,
) -> None:
    html = await answered(browser, "category", "respondent_type", "country")
    assert heading(html) == "region?"

    back = await browser.get("/en/guide/3")
    first = await browser.get("/en/guide")

    assert heading(back.text) == "country?"
    assert 'value="MA" checked' in back.text
    assert heading(first.text) == "category?"
    assert 'value="maladministration" checked' in first.text


async def test_another_language_shows_the_same_question_with_the_same_answers(
    browser: httpx.AsyncClient,
) -> None:
    html = await answered(browser, "category", "respondent_type", "country")
    assert 'href="/fr/guide/4"' in html, "the language link stays on this question"

    french = await browser.get("/fr/guide/3")

    assert '<html lang="fr"' in french.text
    assert heading(french.text) == "country?"
    assert 'value="MA" checked' in french.text
    assert hidden_fields(french.text, "/fr/guide")["q.respondent_type"] == "local-authority"


async def test_the_answer_has_its_own_address_in_every_language(
    browser: httpx.AsyncClient, services: FakeServices
) -> None:
    html = await answered(browser, *ANSWERS)
    assert heading(html) == "This institution is the one for you"

    again = await browser.get("/nl/guide/answer")

    assert again.status_code == 200
    assert '<html lang="nl"' in again.text
    assert "Instelling van de Bemiddelaar van het Koninkrijk" in again.text
    assert services.calls[-1].operation == "answer_guide"


async def test_no_question_is_skipped_by_its_address(browser: httpx.AsyncClient) -> None:
    await answered(browser, "category")

    ahead = await browser.get("/en/guide/6", follow_redirects=True)
    answer_ahead = await browser.get("/en/guide/answer", follow_redirects=True)
    nowhere = await browser.get("/en/guide/x")

    assert ahead.url.path == "/en/guide/2"
    assert heading(ahead.text) == "respondent_type?"
    assert answer_ahead.url.path == "/en/guide/2"
    assert nowhere.status_code == 404


async def test_an_address_past_the_last_question_shows_the_answer_once_all_are_given(
    browser: httpx.AsyncClient,
) -> None:
    await answered(browser, *ANSWERS)

    past = await browser.get(f"/en/guide/{len(ANSWERS) + 1}", follow_redirects=True)

    assert past.status_code == 200
    assert past.url.path == "/en/guide/answer"
    assert heading(past.text) == "This institution is the one for you"


async def test_without_redis_the_guide_still_answers_each_form_itself(
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
        html = (await browser.get("/en/guide")).text
        for question in ("category", "respondent_type"):
            html = await answer(browser, html, ANSWERS[question])
        back = await send(browser, html, "MA", go="back")
        html = await answer(browser, back.text, None)
        for question in ("country", "region", "complainant_role"):
            html = await answer(browser, html, ANSWERS[question])
        html = await answer(browser, html, ANSWERS["administration_contacted"])
        last = await send(browser, html, ANSWERS["court_case_pending"])

    assert back.status_code == 200, "the form's own answer, with no draft to redirect to"
    assert heading(back.text) == "respondent_type?"
    assert 'value="local-authority" checked' in back.text
    assert last.status_code == 200
    assert heading(last.text) == "This institution is the one for you"
    assert hidden_fields(last.text, "/en/submit")["s.territory"] == "MA-06"
