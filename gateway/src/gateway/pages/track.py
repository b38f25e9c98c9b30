"""Following a case as pages: the receipt checked once, then a short session for that one case.

Reading, replying, downloading a file, withdrawing and leaving go through the session; changing
where the person is told asks for the receipt again, as intake keeps those addresses under it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError

from gateway.api.cases.messages import ATTACHMENT_ID_PATTERN
from gateway.api.cases.shared import as_complainant
from gateway.edge.receipt_guard import ReceiptGuardDep
from gateway.pages.forms import Form, read_form
from gateway.pages.i18n import api_language
from gateway.pages.rendering import check_form, render, translate
from gateway.pages.sessions import tracking_sessions
from gateway.pages.site import LanguagePath
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseView, MessageDraft, Withdrawal
from nowrongdoor.contracts.http import ServiceProblem
from nowrongdoor.contracts.intake import ContactChange, ReceiptCheck
from nowrongdoor.contracts.vocabulary import CaseStatus
from nowrongdoor.ids import is_receipt, is_reference
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
AttachmentPath = Annotated[str, Path(pattern=ATTACHMENT_ID_PATTERN)]
LIVE_INTERVAL_SECONDS: Final = 5.0
LIVE_FOR_SECONDS: Final = 15 * 60
FINISHED: Final = frozenset({CaseStatus.WITHDRAWN, CaseStatus.CLOSED})


def N_(message: str) -> str:  # noqa: N802 - the name gettext's extraction looks for
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


STATUS_WORDS: Final = {
    CaseStatus.RECEIVED: N_(
        "Your complaint was received and is on its way to the right institution."
    ),
    CaseStatus.ROUTED: N_("Your complaint has reached the institution competent for it."),
    CaseStatus.TRIAGE: N_("An institution is deciding who is competent for your complaint."),
    CaseStatus.ACKNOWLEDGED: N_("The institution has confirmed it received your complaint."),
    CaseStatus.ADMISSIBLE: N_("The institution has accepted to deal with your complaint."),
    CaseStatus.INADMISSIBLE: N_(
        "The institution cannot deal with your complaint; it says why below."
    ),
    CaseStatus.INVESTIGATING: N_("The institution is looking into your complaint."),
    CaseStatus.AWAITING_COMPLAINANT: N_("The institution is waiting for an answer from you."),
    CaseStatus.RESOLVED: N_("The institution has reached a decision on your complaint."),
    CaseStatus.TRANSFERRED: N_("Your complaint was handed on to another institution."),
    CaseStatus.WITHDRAWN: N_("You withdrew your complaint."),
    CaseStatus.CLOSED: N_("Your case is closed."),
}
STANDARD_WORDS: Final = {
    "acknowledge": N_("confirm receipt"),
    "admissibility": N_("decide whether it can deal with it"),
    "resolution": N_("reach a decision"),
}
OUTCOME_WORDS: Final = {
    "upheld": N_("Your complaint was upheld."),
    "partly-upheld": N_("Your complaint was partly upheld."),
    "not-upheld": N_("Your complaint was not upheld."),
    "mediated": N_("Your complaint was settled by mediation."),
    "withdrawn": N_("Your complaint was withdrawn."),
}
DONE_WORDS: Final = {
    "reply": N_("Your message was sent."),
    "contact": N_("From now on you will be told at the address you gave."),
    "uncontact": N_("You will no longer be told by email or text message."),
    "withdrawn": N_("Your complaint is withdrawn."),
}


def status_words(language: str, status: CaseStatus) -> str:
    return translate(language, STATUS_WORDS[status])


def _normalised_reference(text: str | None) -> str:
    return "".join((text or "").split()).upper()


def _normalised_receipt(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


def _form_page(
    request: Request,
    language: str,
    *,
    reference: str = "",
    error: str | None = None,
    status: int = 200,
    done: str | None = None,
    pending: str | None = None,
) -> Response:
    """The reference and receipt form; `pending` is a reply typed when the session ended, kept
    to be sent once the receipt is given again."""
    return render(
        request,
        language,
        "track_form.html",
        {"reference": reference, "error": error, "done": done, "pending": pending},
        title=translate(language, "Follow my case"),
        status=status,
    )


def _version(case: CaseView) -> str:
    seen = (case.status, len(case.timeline), len(case.messages), [p.due for p in case.promised])
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:16]


async def _case_page(
    request: Request,
    language: str,
    complainant: Principal,
    upstreams: Any,
    *,
    errors: dict[str, str] | None = None,
    kept: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    assert complainant.case_reference is not None
    case: CaseView | None = await upstreams.cases.reading_in(api_language(language)).case(
        complainant, complainant.case_reference
    )
    if case is None:
        return render(
            request,
            language,
            "track_opening.html",
            title=translate(language, "Your case is being opened"),
            status=200,
        )
    names = {i.institution_id: i.name for i in case.institutions}
    done = request.query_params.get("done")
    return render(
        request,
        language,
        "track_case.html",
        {
            "case": case,
            "names": names,
            "status_words": status_words(language, case.status),
            "standard_words": {k: translate(language, v) for k, v in STANDARD_WORDS.items()},
            "outcome_words": translate(language, OUTCOME_WORDS[case.outcome])
            if case.outcome
            else None,
            "finished": case.status in FINISHED,
            "done": translate(language, DONE_WORDS[done]) if done in DONE_WORDS else None,
            "errors": errors or {},
            "kept": kept or {},
            "version": _version(case),
        },
        title=translate(language, "Your case"),
        status=status,
    )


async def _complainant(request: Request) -> Principal | None:
    return await tracking_sessions(request).complainant(request)


def _back_to_case(language: str, done: str | None = None, anchor: str = "") -> RedirectResponse:
    query = f"?done={done}" if done else ""
    return RedirectResponse(f"/{language}/track{query}{anchor}", status_code=303)


@router.get("/{language:lang}/track")
async def track(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    complainant = await _complainant(request)
    if complainant is None:
        reference = _normalised_reference(request.query_params.get("reference"))
        done = request.query_params.get("done")
        return _form_page(
            request,
            language,
            reference=reference if is_reference(reference) else "",
            done=translate(
                language,
                "You have left your case. To read it again, give your reference and receipt.",
            )
            if done == "left"
            else None,
        )
    return await _case_page(request, language, complainant, upstreams)


@router.post("/{language:lang}/track")
async def open_case(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep, guard: ReceiptGuardDep
) -> Response:
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    reference = _normalised_reference(form.get("reference"))
    receipt = _normalised_receipt(form.get("receipt"))
    pending = form.text("pending")[:10_000] or None
    try:
        complainant = await as_complainant(reference, receipt, guard, upstreams.intake)
    except ProblemError as error:
        if error.status != 404:
            raise
        return _form_page(
            request,
            language,
            reference=form.text("reference")[:40],
            status=404,
            pending=pending,
            error=translate(
                language, "No case matches this reference and receipt. Check both and try again."
            ),
        )
    assert complainant.case_reference is not None
    if pending is None:
        response: Response = _back_to_case(language)
    else:
        response = await _send_reply(request, language, complainant, upstreams, pending, [])
    await tracking_sessions(request).open(request, response, complainant.case_reference)
    return response


async def _session_or_form(
    request: Request, language: str, pending: str | None = None
) -> Principal | Response:
    complainant = await _complainant(request)
    if complainant is None:
        return _form_page(
            request,
            language,
            pending=pending,
            status=401,
            error=translate(
                language,
                "Your session has ended, to protect your case. Give your reference and receipt "
                "again.",
            ),
        )
    return complainant


def _files(form: Form) -> list[dict[str, Any]]:
    return [
        {"filename": name, "content": base64.b64encode(content).decode()}
        for name, content in form.files
    ]


@router.post("/{language:lang}/track/reply")
async def reply(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    body = form.text("body")
    complainant = await _session_or_form(request, language, pending=body[:10_000] or None)
    if isinstance(complainant, Response):
        return complainant
    return await _send_reply(request, language, complainant, upstreams, body, _files(form))


async def _send_reply(
    request: Request,
    language: str,
    complainant: Principal,
    upstreams: Any,
    body: str,
    files: list[dict[str, Any]],
) -> Response:
    """Post the complainant's message; a refusal shows the case again with the text kept."""
    assert complainant.case_reference is not None
    kept = {"body": body}
    if not body:
        return await _case_page(
            request,
            language,
            complainant,
            upstreams,
            status=422,
            kept=kept,
            errors={"body": translate(language, "Write your message before sending it.")},
        )
    try:
        draft = MessageDraft.model_validate({"body": body, "attachments": files})
        await upstreams.cases.post_message(complainant, complainant.case_reference, draft)
    except ValidationError:
        return await _case_page(
            request,
            language,
            complainant,
            upstreams,
            status=422,
            kept=kept,
            errors={
                "body": translate(language, "Your message is too long: at most 10,000 characters.")
            },
        )
    except ServiceProblem as refusal:
        if refusal.status >= 500:
            raise
        message = {
            413: N_("A file is too large. Send smaller files, or fewer at once."),
            415: N_("A file is not of an accepted type: send JPEG, PNG, PDF or plain text."),
            409: N_("This case no longer takes messages."),
        }.get(refusal.status, N_("The message could not be sent; please check it."))
        if refusal.slug == "case-being-opened":
            message = N_("Your case is being opened; send your message again in a moment.")
        return await _case_page(
            request,
            language,
            complainant,
            upstreams,
            status=refusal.status,
            kept=kept,
            errors={"body": translate(language, message)},
        )
    return _back_to_case(language, "reply", "#messages")


@router.get("/{language:lang}/track/attachments/{attachment_id}")
async def attachment(
    language: LanguagePath, attachment_id: AttachmentPath, request: Request, upstreams: UpstreamsDep
) -> Response:
    complainant = await _session_or_form(request, language)
    if isinstance(complainant, Response):
        return complainant
    assert complainant.case_reference is not None
    opened = await upstreams.cases.attachment(
        complainant, complainant.case_reference, attachment_id
    )
    if opened is None:
        raise ProblemError(404, "No such file in this case.")
    return Response(
        opened.content,
        media_type=opened.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{opened.name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/{language:lang}/track/contact")
async def change_contact(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep, guard: ReceiptGuardDep
) -> Response:
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    complainant = await _session_or_form(request, language)
    if isinstance(complainant, Response):
        return complainant
    reference = complainant.case_reference
    assert reference is not None
    kept = {"email": form.text("email"), "phone": form.text("phone")}
    receipt = _normalised_receipt(form.get("receipt"))
    removing = form.get("go") == "remove"
    if not is_receipt(receipt):
        return await _case_page(
            request,
            language,
            complainant,
            upstreams,
            status=422,
            kept=kept,
            errors={"contact_receipt": translate(language, "Give your receipt: 16 digits.")},
        )
    try:
        if removing:
            check = ReceiptCheck(reference=reference, receipt=receipt)

            async def done() -> bool | None:
                return (await upstreams.intake.remove_contact(Principal.public(), check)) or None
        else:
            change = ContactChange(
                reference=reference,
                receipt=receipt,
                email=kept["email"] or None,
                phone=kept["phone"] or None,
            )

            async def done() -> bool | None:
                return (await upstreams.intake.change_contact(Principal.public(), change)) or None
    except ValidationError:
        return await _case_page(
            request,
            language,
            complainant,
            upstreams,
            status=422,
            kept=kept,
            errors={
                "email": translate(
                    language, "Give a valid email address, a valid phone number, or both."
                )
            },
        )
    try:
        await guard.guarded(reference, done)
    except ProblemError as error:
        if error.status == 404:
            return await _case_page(
                request,
                language,
                complainant,
                upstreams,
                status=422,
                kept=kept,
                errors={
                    "contact_receipt": translate(
                        language, "This receipt is not the one of this case."
                    )
                },
            )
        if error.status == 409:
            return await _case_page(
                request,
                language,
                complainant,
                upstreams,
                status=409,
                kept=kept,
                errors={
                    "email": translate(
                        language,
                        "The personal data of this case has been erased; no address can be kept "
                        "any more.",
                    )
                },
            )
        raise
    return _back_to_case(language, "uncontact" if removing else "contact", "#contact")


@router.post("/{language:lang}/track/withdraw")
async def withdraw(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    complainant = await _session_or_form(request, language)
    if isinstance(complainant, Response):
        return complainant
    assert complainant.case_reference is not None
    reason = form.text("reason")[:2000] or None
    if form.get("confirm") != "yes":
        return await _case_page(
            request,
            language,
            complainant,
            upstreams,
            status=422,
            kept={"reason": reason or ""},
            errors={
                "confirm": translate(
                    language, "Tick the box to confirm that you withdraw your complaint."
                )
            },
        )
    try:
        await upstreams.cases.withdraw(
            complainant, complainant.case_reference, Withdrawal(reason=reason)
        )
    except ServiceProblem as refusal:
        if refusal.status != 409:
            raise
        return await _case_page(
            request,
            language,
            complainant,
            upstreams,
            status=409,
            errors={"confirm": translate(language, "This case is already closed or withdrawn.")},
        )
    return _back_to_case(language, "withdrawn")


@router.post("/{language:lang}/track/leave")
async def leave(language: LanguagePath, request: Request) -> Response:
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    response = RedirectResponse(f"/{language}/track?done=left", status_code=303)
    await tracking_sessions(request).end(request, response)
    return response


@router.get("/{language:lang}/track/events")
async def live(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    """Server-sent events: the case's status and version, whenever they change."""
    complainant = await _complainant(request)

    async def events() -> AsyncIterator[str]:
        if complainant is None or complainant.case_reference is None:
            yield "event: end\ndata: {}\n\n"
            return
        last = None
        loop = asyncio.get_running_loop()
        until = loop.time() + LIVE_FOR_SECONDS
        while loop.time() < until and not await request.is_disconnected():
            case = await upstreams.cases.reading_in(api_language(language)).case(
                complainant, complainant.case_reference
            )
            if case is not None:
                seen = {
                    "version": _version(case),
                    "status_words": status_words(language, case.status),
                }
                if seen != last:
                    yield f"event: case\ndata: {json.dumps(seen, ensure_ascii=False)}\n\n"
                    last = seen
            await asyncio.sleep(LIVE_INTERVAL_SECONDS)
        yield "event: end\ndata: {}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
