"""The guide as pages: one plain question each, then which institution is for you, and why.

Each question has its own address (`/{language}/guide/{n}`, then `/{language}/guide/answer`).
The answers travel in the form, never in the address; each form is answered by keeping them in
the browser's sealed draft (`drafts.py`) and redirecting to the page to show, so the browser's
Back, a reload or another language show the same question with the same answers. Without Redis
the form's answer is the page itself, as the answers still travel in it. The answer comes from
routing's own guide, the engine that routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from gateway.pages.drafts import drafts
from gateway.pages.forms import read_form
from gateway.pages.i18n import api_language
from gateway.pages.rendering import N_, check_form, render, translate
from gateway.pages.site import LanguagePath
from gateway.upstreams import Upstreams, UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.routing import Guide, GuideAnswers, GuideQuestion
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
ANSWER_PREFIX = "q."
DRAFT: Final = "guide"
MAX_QUESTIONS: Final = 50
UNANSWERED: Final = N_("Choose one of the answers.")


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

    def unanswered(self) -> int:
        """The place of the first question that applies and is not answered; past the last
        when every one is."""
        asked = self.asked()
        return next((i for i, q in enumerate(asked) if q.id not in self.answers), len(asked))

    def to_ask(self) -> int:
        """The question to ask when the answers do not yet lead to routing's answer."""
        unanswered = self.unanswered()
        return unanswered if unanswered < len(self.asked()) else 0

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
    return await _kept_question(request, upstreams, language, 0)


@router.get("/{language:lang}/guide/answer")
async def guide_answer(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep
) -> Response:
    """Which institution is for you, from the answers kept; the first question left otherwise."""
    journey = Journey.of(await guide_in(upstreams, language), await _kept_answers(request))
    if journey.facts() is None:
        return RedirectResponse(_address(language, journey.to_ask()), status_code=303)
    return await _answer_page(request, upstreams, language, journey)


@router.get("/{language:lang}/guide/{number}")
async def question(
    language: LanguagePath, number: str, request: Request, upstreams: UpstreamsDep
) -> Response:
    """Question `number` (from 1), its answer chosen if it was given."""
    if not number.isdigit() or not 1 <= int(number) <= MAX_QUESTIONS:
        raise ProblemError(404, "No such question in the guide.")
    return await _kept_question(request, upstreams, language, int(number) - 1)


@router.post("/{language:lang}/guide")
async def next_question(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep
) -> Response:
    """Keep the answers sent, then show the question to ask (or the answer) at its own address."""
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    sent = {
        k.removeprefix(ANSWER_PREFIX): v for k, v in form.items() if k.startswith(ANSWER_PREFIX)
    }
    journey = Journey.of(await guide_in(upstreams, language), sent)
    try:
        step = min(max(int(form.get("step") or "0"), 0), len(journey.asked()))
    except ValueError:
        step = 0
    shown, unanswered = _after(journey, step, form.get("go"))
    kept = {
        "answers": journey.answers,
        "unanswered": journey.asked()[step].id if unanswered else None,
    }
    location = f"/{language}/guide/answer" if shown is None else _address(language, shown)
    redirect = await drafts(request).redirect_keeping(request, DRAFT, kept, location)
    if redirect is not None:
        return redirect
    # Redis is not answering: the step is the direct answer to the form, as before drafts.
    if shown is None:
        return await _answer_page(request, upstreams, language, journey)
    error = translate(language, UNANSWERED) if unanswered else None
    return _question_page(request, language, journey, shown, error)


def _after(journey: Journey, step: int, go: str | None) -> tuple[int | None, bool]:
    """Where the form of question `step` leads: the question to show next (None for the
    answer), and whether it was sent without an answer."""
    asked = journey.asked()
    if go == "back":
        return max(step - 1, 0), False
    if step < len(asked):
        if asked[step].id not in journey.answers:
            return step, True
        if step + 1 < len(asked):
            return step + 1, False
    if journey.facts() is None:
        return journey.to_ask(), False
    return None, False


def _address(language: str, step: int) -> str:
    return f"/{language}/guide/{step + 1}"


async def _kept_answers(request: Request) -> dict[str, str]:
    answers = (await drafts(request).read(request, DRAFT)).get("answers")
    return answers if isinstance(answers, dict) else {}


async def _kept_question(
    request: Request, upstreams: Upstreams, language: str, step: int
) -> Response:
    """Question `step` with the answers kept; the first unanswered one instead when `step` lies
    beyond it, so no question is skipped."""
    kept = await drafts(request).read(request, DRAFT)
    answers = kept.get("answers")
    journey = Journey.of(
        await guide_in(upstreams, language), answers if isinstance(answers, dict) else {}
    )
    asked = journey.asked()
    unanswered = journey.unanswered()
    if step > unanswered or step >= len(asked):
        if unanswered == len(asked):
            return RedirectResponse(f"/{language}/guide/answer", status_code=303)
        return RedirectResponse(_address(language, unanswered), status_code=303)
    question = asked[step]
    left = kept.get("unanswered") == question.id and question.id not in journey.answers
    error = translate(language, UNANSWERED) if left else None
    return _question_page(request, language, journey, step, error)


async def _answer_page(
    request: Request, upstreams: Upstreams, language: str, journey: Journey
) -> Response:
    facts = journey.facts()
    if facts is None:  # only a journey whose every question that applies is answered
        raise ValueError("the guide's answer needs every question answered")
    answer = await upstreams.routing.answer_guide(Principal.public(), facts, api_language(language))
    return render(
        request,
        language,
        "guide_answer.html",
        {
            "answer": answer,
            "answers": journey.answers,
            "facts": facts.model_dump(mode="json"),
            "step": len(journey.asked()),
        },
        title=translate(language, "The institution for you"),
    )
