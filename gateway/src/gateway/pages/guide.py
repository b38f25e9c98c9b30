"""The guide as pages: one plain question each, then which institution is for you, and why.

Answers travel in the form from page to page (never in the address, never stored), so going
back and forward keeps them; the answer comes from routing's own guide, the engine that routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from gateway.pages.forms import read_form
from gateway.pages.i18n import api_language
from gateway.pages.rendering import check_form, render, translate
from gateway.pages.site import LanguagePath
from gateway.upstreams import Upstreams, UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.routing import Guide, GuideAnswers, GuideQuestion

router = APIRouter(include_in_schema=False)
ANSWER_PREFIX = "q."


def option_value(value: str | bool) -> str:
    """An option's value as a form sends it back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


@dataclass
class Journey:
    """The guide's questions and the answers given so far, valid ones only."""

    guide: Guide
    answers: dict[str, str]

    @classmethod
    def of(cls, guide: Guide, sent: dict[str, str]) -> Journey:
        journey = cls(guide, {})
        for question in guide.questions:
            value = sent.get(question.id)
            if value is not None and value in journey.values(question):
                journey.answers[question.id] = value
        return journey

    def options(self, question: GuideQuestion) -> list[Any]:
        if question.depends_on is None:
            return question.options
        chosen = self.answers.get(question.depends_on)
        return [o for o in question.options if o.country is not None and o.country == chosen]

    def values(self, question: GuideQuestion) -> set[str]:
        return {option_value(o.value) for o in self.options(question)}

    def asked(self) -> list[GuideQuestion]:
        """The questions that apply, given the answers so far (no region of another country)."""
        return [q for q in self.guide.questions if self.options(q)]

    def facts(self) -> GuideAnswers | None:
        """The answers as routing reads them, once every question that applies is answered."""
        asked = self.asked()
        if any(q.id not in self.answers for q in asked):
            return None
        fields: dict[str, Any] = {}
        for question in asked:  # a region answered after its country refines the territory
            value = self.answers[question.id]
            fields[question.answers] = {"true": True, "false": False}.get(value, value)
        try:
            return GuideAnswers.model_validate(fields)
        except ValidationError:
            return None


async def guide_in(upstreams: Upstreams, language: str) -> Guide:
    """Routing's guide, its questions and answers worded in the page's language."""
    return await upstreams.routing.guide(Principal.public(), api_language(language))


def _question_page(
    request: Request, language: str, journey: Journey, step: int, error: str | None = None
) -> Response:
    asked = journey.asked()
    question = asked[step]
    return render(
        request,
        language,
        "guide.html",
        {
            "question": question,
            "options": [(option_value(o.value), o.label) for o in journey.options(question)],
            "chosen": journey.answers.get(question.id),
            "answers": journey.answers,
            "step": step,
            "count": len(asked),
            "error": error,
        },
        title=question.text,
        status=422 if error else 200,
    )


@router.get("/{language:lang}/guide")
async def first_question(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep
) -> Response:
    journey = Journey.of(await guide_in(upstreams, language), {})
    return _question_page(request, language, journey, 0)


@router.post("/{language:lang}/guide")
async def next_question(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep
) -> Response:
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    sent = {
        k.removeprefix(ANSWER_PREFIX): v for k, v in form.items() if k.startswith(ANSWER_PREFIX)
    }
    guide = await guide_in(upstreams, language)
    journey = Journey.of(guide, sent)
    asked = journey.asked()
    try:
        step = min(max(int(form.get("step") or "0"), 0), len(asked))
    except ValueError:
        step = 0
    if form.get("go") == "back":
        return _question_page(request, language, journey, max(step - 1, 0))
    if step < len(asked):
        question = asked[step]
        if question.id not in journey.answers:
            return _question_page(
                request, language, journey, step, translate(language, "Choose one of the answers.")
            )
        asked = journey.asked()  # a country answered now decides whether a region is asked
        position = next(i for i, q in enumerate(asked) if q.id == question.id)
        if position + 1 < len(asked):
            return _question_page(request, language, journey, position + 1)
    facts = journey.facts()
    if facts is None:
        return _question_page(request, language, journey, 0)
    answer = await upstreams.routing.answer_guide(Principal.public(), facts, api_language(language))
    return render(
        request,
        language,
        "guide_answer.html",
        {
            "answer": answer,
            "answers": journey.answers,
            "facts": facts.model_dump(mode="json"),
            "step": len(asked),
        },
        title=translate(language, "The institution for you"),
    )
