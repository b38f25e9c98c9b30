"""Filing a complaint as pages: a few short steps, a summary to confirm, then the receipt once.

Each step has its own address (`/{language}/submit/{step}`). What the person typed travels in
the form between steps, never in the address; each form is answered by keeping it in the
browser's sealed draft (`drafts.py`), mistakes included, and redirecting to the step to show, so
the browser's Back, a reload or another language show the same step with the same answers.
Without Redis the form's answer is the step itself, as everything still travels in the form.
Files chosen are sent with the complaint only, never kept. Once sent, the complaint goes
through intake exactly as the API's complaints do, on the `web` channel, the draft is forgotten,
and the receipt is the one-time answer to that form. A token in the summary makes sending twice
(a double click, a reload) file it only once.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from gateway.pages.drafts import drafts
from gateway.pages.forms import Form, read_form
from gateway.pages.guide import guide_in, option_value
from gateway.pages.i18n import api_language
from gateway.pages.rendering import N_, check_form, render, translate
from gateway.pages.site import LanguagePath
from gateway.upstreams import Upstreams, UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import MessageDraft
from nowrongdoor.contracts.http import ServiceProblem, ServiceUnavailable
from nowrongdoor.contracts.intake import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    ComplaintSubmission,
    IncomingComplaint,
)
from nowrongdoor.contracts.routing import Guide
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
STATE_PREFIX: Final = "s."
FACTS: Final = (
    "category",
    "respondent_type",
    "territory",
    "complainant_role",
    "administration_contacted",
    "court_case_pending",
)
STEPS: Final[dict[str, tuple[str, ...]]] = {
    "facts": FACTS,
    "complaint": ("respondent_name", "description"),
    "identity": ("anonymous", "name", "email", "phone"),
    "confirm": (),
}
ORDER: Final = tuple(STEPS)
SENT_TTL_SECONDS: Final = 24 * 3600
CASE_OPENS_WITHIN_SECONDS: Final = 5.0
"""How long filing waits for the case to open before the chosen files go into it."""
DOCUMENTS_BODY: Final = N_("Documents sent with my complaint.")
DRAFT: Final = "submit"
NOT_ACCEPTED: Final = N_("Something in the complaint is not accepted; please check it.")
UNAVAILABLE: Final = N_(
    "The service is not answering right now; nothing was sent and nothing you wrote "
    "is lost. Please try again in a moment."
)
REFUSED: Final = N_("The complaint was not accepted; please check it and send it again.")
NOTICES: Final = {"unavailable": (UNAVAILABLE, 503), "refused": (REFUSED, 422)}
"""What sending may have to say on the summary, and the status it is shown with."""


@dataclass
class Choices:
    """The answers the facts step offers, worded as the guide words them."""

    by_field: dict[str, list[tuple[str, str]]]
    territories: list[tuple[str, list[tuple[str, str]]]]

    @classmethod
    def of(cls, guide: Guide) -> Choices:
        by_field: dict[str, list[tuple[str, str]]] = {}
        countries: dict[str, str] = {}
        regions: dict[str, list[tuple[str, str]]] = {}
        for question in guide.questions:
            options = [(option_value(o.value), o.label) for o in question.options]
            if question.id == "country":
                countries = dict(options)
            elif question.id == "region":
                for option in question.options:
                    regions.setdefault(option.country or "", []).append(
                        (option_value(option.value), option.label)
                    )
            else:
                by_field[question.answers] = options
        territories = [
            (label, regions.get(code) or [(code, label)]) for code, label in countries.items()
        ]
        by_field["territory"] = [pair for _, group in territories for pair in group]
        return cls(by_field, territories)

    def label(self, field: str, value: str | None) -> str:
        return dict(self.by_field.get(field, [])).get(value or "", value or "")


def _state(form: Form) -> dict[str, str]:
    """The answers so far, as typed: line ends made plain, edges trimmed."""
    return {
        name.removeprefix(STATE_PREFIX): form.text(name)
        for name, _ in form.items()
        if name.startswith(STATE_PREFIX)
    }


def _errors(language: str, step: str, state: dict[str, str], choices: Choices) -> dict[str, str]:
    """What is missing or wrong in one step, by field, in the reader's language."""
    errors: dict[str, str] = {}
    if step == "facts":
        for field in FACTS:
            if state.get(field) not in dict(choices.by_field.get(field, [])):
                errors[field] = translate(language, "Choose one of the answers.")
    elif step == "complaint":
        if not 1 <= len(state.get("respondent_name", "")) <= 300:
            errors["respondent_name"] = translate(
                language, "Name the body or the official you complain about."
            )
        if not 10 <= len(state.get("description", "")) <= 20_000:
            errors["description"] = translate(
                language, "Tell what happened in at least 10 characters (at most 20,000)."
            )
    elif step == "identity":
        anonymous = state.get("anonymous")
        if anonymous not in ("true", "false"):
            errors["anonymous"] = translate(language, "Choose whether to give your name.")
        elif anonymous == "false" and not 1 <= len(state.get("name", "")) <= 200:
            errors["name"] = translate(language, "Give your name, or choose to stay anonymous.")
        if state.get("email") and not re.fullmatch(EMAIL_PATTERN, state["email"]):
            errors["email"] = translate(language, "Give an email address like name@example.org.")
        if state.get("phone") and not re.fullmatch(PHONE_PATTERN, state["phone"]):
            errors["phone"] = translate(
                language, "Give a phone number of digits, with the country code if abroad."
            )
    return errors


def _submission(language: str, state: dict[str, str]) -> ComplaintSubmission:
    anonymous = state.get("anonymous") == "true"
    return ComplaintSubmission.model_validate(
        {
            "description": state.get("description", ""),
            "category": state.get("category"),
            "respondent": {
                "name": state.get("respondent_name", ""),
                "type": state.get("respondent_type"),
                "territory": state.get("territory"),
            },
            "complainant": {
                "role": state.get("complainant_role"),
                "anonymous": anonymous,
                "name": None if anonymous else state.get("name") or None,
                "email": state.get("email") or None,
                "phone": state.get("phone") or None,
            },
            "administration_contacted": state.get("administration_contacted") == "true",
            "court_case_pending": state.get("court_case_pending") == "true",
            "language": api_language(language),
        }
    )


def _first_unfinished(language: str, state: dict[str, str], choices: Choices) -> str:
    for step in ORDER:
        if _errors(language, step, state, choices):
            return step
    return "confirm"


def _step_page(
    request: Request,
    language: str,
    step: str,
    state: dict[str, str],
    choices: Choices,
    *,
    check: str | None = None,
    notice: str | None = None,
) -> Response:
    """One step with the answers so far; its mistakes named when it was sent with some
    (`check`), and what sending had to say (`notice`, one of NOTICES or "not-accepted")."""
    errors = _errors(language, step, state, choices) if check == step else {}
    if notice == "not-accepted" and step == "complaint":
        errors["description"] = translate(language, NOT_ACCEPTED)
    said, status = NOTICES.get(notice or "", (None, None)) if step == "confirm" else (None, None)
    context: dict[str, Any] = {
        "step": step,
        "steps": ORDER,
        "number": ORDER.index(step) + 1,
        "state": state,
        "carried": {k: v for k, v in state.items() if k not in STEPS[step]},
        "choices": choices,
        "errors": errors,
        "notice": translate(language, said) if said else None,
    }
    if step == "confirm":
        context["once"] = secrets.token_urlsafe(24)
    titles = {
        "facts": translate(language, "About your complaint"),
        "complaint": translate(language, "What happened"),
        "identity": translate(language, "Anonymous or not"),
        "confirm": translate(language, "Check and send"),
    }
    return render(
        request,
        language,
        "submit.html",
        context | {"heading": titles[step]},
        title=titles[step],
        status=status or (422 if errors else 200),
    )


async def _show(
    request: Request,
    language: str,
    step: str,
    state: dict[str, str],
    choices: Choices,
    *,
    check: str | None = None,
    notice: str | None = None,
) -> Response:
    """Keep the answers and redirect to the step to show; without Redis, show it right away."""
    kept = {"state": state, "check": check, "notice": notice}
    location = f"/{language}/submit/{step}"
    redirect = await drafts(request).redirect_keeping(request, DRAFT, kept, location)
    if redirect is not None:
        return redirect
    # Redis is not answering: the step is the direct answer to the form, as before drafts.
    return _step_page(request, language, step, state, choices, check=check, notice=notice)


async def _choices(upstreams: Upstreams, language: str) -> Choices:
    return Choices.of(await guide_in(upstreams, language))


async def _submitted(
    request: Request, upstreams: Upstreams, language: str
) -> tuple[Form, dict[str, str], Choices]:
    """A step's form once checked: its fields, the answers so far, the choices offered."""
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    return form, _state(form), await _choices(upstreams, language)


async def _kept_step(request: Request, upstreams: Upstreams, language: str, step: str) -> Response:
    """A step drawn from the draft; the first step still to fill in instead when `step` lies
    beyond it, so none is skipped."""
    kept = await drafts(request).read(request, DRAFT)
    state = kept.get("state")
    state = (
        {k: v for k, v in state.items() if isinstance(v, str)} if isinstance(state, dict) else {}
    )
    choices = await _choices(upstreams, language)
    unfinished = _first_unfinished(language, state, choices)
    if ORDER.index(step) > ORDER.index(unfinished):
        return RedirectResponse(f"/{language}/submit/{unfinished}", status_code=303)
    check, notice = kept.get("check"), kept.get("notice")
    return _step_page(
        request,
        language,
        step,
        state,
        choices,
        check=check if isinstance(check, str) else None,
        notice=notice if isinstance(notice, str) else None,
    )


@router.get("/{language:lang}/submit")
async def start(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    return await _kept_step(request, upstreams, language, ORDER[0])


@router.get("/{language:lang}/submit/{step}")
async def kept_step(
    language: LanguagePath, step: str, request: Request, upstreams: UpstreamsDep
) -> Response:
    if step not in STEPS:
        raise ProblemError(404, "No such step in filing a complaint.")
    return await _kept_step(request, upstreams, language, step)


@router.post("/{language:lang}/submit")
async def next_step(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    form, state, choices = await _submitted(request, upstreams, language)
    current, go = form.get("step") or "start", form.get("go") or "next"
    if current not in STEPS:  # coming from the guide, whose answers are the facts
        shown = _first_unfinished(language, state, choices)
        return await _show(request, language, shown, state, choices)
    if go == "back":
        previous = ORDER[max(ORDER.index(current) - 1, 0)]
        return await _show(request, language, previous, state, choices)
    if go.startswith("edit:") and go[5:] in STEPS:
        return await _show(request, language, go[5:], state, choices)
    if _errors(language, current, state, choices):
        return await _show(request, language, current, state, choices, check=current)
    # Onwards to the first step still to fill in, else the summary (after a change too).
    shown = _first_unfinished(language, state, choices)
    return await _show(request, language, shown, state, choices)


@router.post("/{language:lang}/submit/send")
async def send(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    form, state, choices = await _submitted(request, upstreams, language)
    unfinished = _first_unfinished(language, state, choices)
    if unfinished != "confirm":
        return await _show(request, language, unfinished, state, choices, check=unfinished)
    try:
        submission = _submission(language, state)
    except ValidationError:
        return await _show(request, language, "complaint", state, choices, notice="not-accepted")
    once = form.get("once") or ""
    redis = request.app.state.redis
    key = f"{request.app.state.page_prefix}sent:{hashlib.sha256(once.encode()).hexdigest()}"
    if not once or not await redis.set(key, "1", nx=True, ex=SENT_TTL_SECONDS):
        return render(
            request,
            language,
            "already_sent.html",
            status=409,
            title=translate(language, "This complaint was already sent"),
        )
    try:
        accepted = await upstreams.intake.submit(
            Principal.public(), IncomingComplaint(submission=submission, channel="web")
        )
    except (ServiceUnavailable, ServiceProblem) as error:
        await redis.delete(key)
        unavailable = isinstance(error, ServiceUnavailable) or error.status >= 500
        notice = "unavailable" if unavailable else "refused"
        return await _show(request, language, "confirm", state, choices, notice=notice)
    documents = await _attach(upstreams, language, accepted.reference, form) if form.files else None
    receipt = render(
        request,
        language,
        "receipt.html",
        {
            "reference": accepted.reference,
            "receipt": accepted.receipt,
            "documents": translate(language, documents) if documents else None,
        },
        title=translate(language, "Your complaint was received"),
    )
    await drafts(request).end(request, receipt)
    return receipt


async def _attach(upstreams: Upstreams, language: str, reference: str, form: Form) -> str:
    """Send the files chosen with the complaint as the complainant's first message, once its
    case is open; what became of them, as a catalogue message. The complaint is filed either
    way: a file refused or late is sent again from the case's page."""
    complainant = Principal.public().holding_receipt_for(reference)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CASE_OPENS_WITHIN_SECONDS
    while await upstreams.cases.case(complainant, reference) is None:
        if loop.time() > deadline:
            return N_("Your documents could not be added yet: send them from your case's page.")
        await asyncio.sleep(0.25)
    files = [
        {"filename": name, "content": base64.b64encode(content).decode()}
        for name, content in form.files
    ]
    try:
        draft = MessageDraft.model_validate(
            {"body": translate(language, DOCUMENTS_BODY), "attachments": files}
        )
        await upstreams.cases.post_message(complainant, reference, draft)
    except (ValidationError, ServiceProblem):
        return N_(
            "Your complaint was received, but a document was not accepted (JPEG, PNG, PDF or "
            "plain text, not too large): send it from your case's page."
        )
    return N_("Your documents were added to your case.")
