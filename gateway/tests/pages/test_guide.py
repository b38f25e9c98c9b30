"""The guide as pages: one question each, answers kept going back and forth, routing's answer."""

import re

import httpx

from nowrongdoor.contracts.routing import GuideAnswers

from ..fakes import FakeServices
from .conftest import form_token, heading, hidden_fields

ANSWERS = {
    "category": "maladministration",
    "respondent_type": "local-authority",
    "country": "MA",
    "region": "MA-06",
    "complainant_role": "citizen",
    "administration_contacted": "true",
    "court_case_pending": "false",
}


async def answer(browser: httpx.AsyncClient, html: str, value: str | None, go: str = "next") -> str:
    """Send the question's page as a browser would: with `value` chosen, or what is checked."""
    fields = hidden_fields(html, "/en/guide")
    question = heading(html).removesuffix("?")
    checked = re.search(rf'name="q\.{question}" value="([^"]+)" checked', html)
    if value is not None or checked:
        fields[f"q.{question}"] = value or checked.group(1)  # type: ignore[union-attr]
    response = await browser.post("/en/guide", data=fields | {"go": go})
    return response.text


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
        "/en/guide", data=hidden_fields(html, "/en/guide") | {"go": "next"}
    )

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
