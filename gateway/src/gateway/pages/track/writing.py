"""What a complainant does to their case from its page: reply, say where to be told, withdraw,
leave. A refusal shows the case again with what they typed kept."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from gateway.edge.receipt_guard import ReceiptGuardDep
from gateway.pages.forms import Form, read_form
from gateway.pages.rendering import N_, check_form
from gateway.pages.sessions import tracking_sessions
from gateway.pages.site import LanguagePath
from gateway.pages.track.visit import CaseVisit, back_to_case, normalised_receipt
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import MessageDraft, Withdrawal
from nowrongdoor.contracts.http import ServiceProblem
from nowrongdoor.contracts.intake import ContactChange, ReceiptCheck
from nowrongdoor.ids import is_receipt
from nowrongdoor.problems import ProblemError

router = APIRouter(include_in_schema=False)
REPLY_REFUSALS = {
    413: N_("A file is too large. Send smaller files, or fewer at once."),
    415: N_("A file is not of an accepted type: send JPEG, PNG, PDF or plain text."),
    409: N_("This case no longer takes messages."),
}


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
    visit = await CaseVisit.of(request, language, upstreams, pending=body[:10_000] or None)
    if not isinstance(visit, CaseVisit):
        return visit
    return await send_reply(visit, body, _files(form))


async def send_reply(visit: CaseVisit, body: str, files: list[dict[str, Any]]) -> Response:
    """Post the complainant's message; a refusal shows the case again with the text kept."""
    kept = {"body": body}
    if not body:
        return await visit.refused(422, "body", N_("Write your message before sending it."), kept)
    try:
        draft = MessageDraft.model_validate({"body": body, "attachments": files})
        await visit.upstreams.cases.post_message(visit.complainant, visit.reference, draft)
    except ValidationError:
        too_long = N_("Your message is too long: at most 10,000 characters.")
        return await visit.refused(422, "body", too_long, kept)
    except ServiceProblem as refusal:
        if refusal.status >= 500:
            raise
        message = REPLY_REFUSALS.get(
            refusal.status, N_("The message could not be sent; please check it.")
        )
        if refusal.slug == "case-being-opened":
            message = N_("Your case is being opened; send your message again in a moment.")
        return await visit.refused(refusal.status, "body", message, kept)
    return back_to_case(visit.language, "reply", "#messages")


@router.post("/{language:lang}/track/contact")
async def change_contact(
    language: LanguagePath, request: Request, upstreams: UpstreamsDep, guard: ReceiptGuardDep
) -> Response:
    """Where to be told of the case, or nowhere: the receipt is asked again, as intake keeps
    the addresses under it."""
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    visit = await CaseVisit.of(request, language, upstreams)
    if not isinstance(visit, CaseVisit):
        return visit
    kept = {"email": form.text("email"), "phone": form.text("phone")}
    receipt = normalised_receipt(form.get("receipt"))
    removing = form.get("go") == "remove"
    if not is_receipt(receipt):
        return await visit.refused(
            422, "contact_receipt", N_("Give your receipt: 16 digits."), kept
        )
    public, intake = Principal.public(), upstreams.intake
    done: Callable[[], Awaitable[bool]]
    try:
        if removing:
            check = ReceiptCheck(reference=visit.reference, receipt=receipt)

            def done() -> Awaitable[bool]:
                return intake.remove_contact(public, check)
        else:
            email, phone = kept["email"] or None, kept["phone"] or None
            change = ContactChange(
                reference=visit.reference, receipt=receipt, email=email, phone=phone
            )

            def done() -> Awaitable[bool]:
                return intake.change_contact(public, change)
    except ValidationError:
        invalid = N_("Give a valid email address, a valid phone number, or both.")
        return await visit.refused(422, "email", invalid, kept)

    async def counted() -> bool | None:
        return (await done()) or None  # None: a miss, which the guard counts

    try:
        await guard.guarded(visit.reference, counted)
    except ProblemError as error:
        if error.status == 404:
            wrong = N_("This receipt is not the one of this case.")
            return await visit.refused(422, "contact_receipt", wrong, kept)
        if error.status == 409:
            erased = N_(
                "The personal data of this case has been erased; no address can be kept any more."
            )
            return await visit.refused(409, "email", erased, kept)
        raise
    return back_to_case(language, "uncontact" if removing else "contact", "#contact")


@router.post("/{language:lang}/track/withdraw")
async def withdraw(language: LanguagePath, request: Request, upstreams: UpstreamsDep) -> Response:
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    visit = await CaseVisit.of(request, language, upstreams)
    if not isinstance(visit, CaseVisit):
        return visit
    reason = form.text("reason")[:2000] or None
    if form.get("confirm") != "yes":
        unticked = N_("Tick the box to confirm that you withdraw your complaint.")
        return await visit.refused(422, "confirm", unticked, {"reason": reason or ""})
    try:
        await upstreams.cases.withdraw(
            visit.complainant, visit.reference, Withdrawal(reason=reason)
        )
    except ServiceProblem as refusal:
        if refusal.status != 409:
            raise
        ended = N_("This case is already closed or withdrawn.")
        return await visit.refused(409, "confirm", ended)
    return back_to_case(language, "withdrawn")


@router.post("/{language:lang}/track/leave")
async def leave(language: LanguagePath, request: Request) -> Response:
    """End the session on the server and in the browser."""
    form = await read_form(request)
    check_form(request, form.get("csrf"))
    response = RedirectResponse(f"/{language}/track?done=left", status_code=303)
    await tracking_sessions(request).end(request, response)
    return response
