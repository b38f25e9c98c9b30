"""Messages in a case: the complainant writes with the receipt, an institution with its token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from gateway.api.answers import NO_STORE, problem_answer
from gateway.api.cases.shared import (
    FORBIDDEN_WRITE,
    NOT_FOUND,
    SERVICES_UNAVAILABLE,
    ReceiptHeader,
    Reference,
    as_complainant,
    relayed,
)
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep, require_kind, require_scope
from gateway.edge.receipt_guard import ReceiptGuardDep
from gateway.upstreams import UpstreamsDep
from nowrongdoor.contracts.cases import Message, MessageDraft
from nowrongdoor.problems import FieldProblem, ProblemError

router = APIRouter(prefix="/v1", tags=["cases"])

MESSAGE_EXAMPLES: dict[str, Any] = {
    "complainant": {
        "summary": "The complainant answers (with X-Receipt)",
        "value": {"body": "Voici le numéro de dossier: 4411-B."},
    },
    "to-complainant": {
        "summary": "An institution asks the complainant",
        "value": {
            "body": "Could you send the number of your file at the commune?",
            "audience": "complainant",
        },
    },
    "to-institutions": {
        "summary": "An institution writes to the other institutions of a joint case",
        "value": {
            "body": "We take the part about the delay; yours is the refusal.",
            "audience": "institutions",
        },
    },
    "internal": {
        "summary": "An internal note, read only at the writer's institution",
        "value": {
            "body": "Called the commune: file found, certificate pending.",
            "audience": "internal",
        },
    },
}


@router.post(
    "/cases/{reference}/messages",
    status_code=201,
    summary="Write in a case: the complainant with the receipt, an institution with its token",
    description=(
        "Adds a message to the case; it appears in the case's `messages` for those who may read "
        "it, dated to the minute, and nothing in it says who the complainant is.\n\n"
        "The complainant sends the receipt in `X-Receipt` and writes to the institutions of the "
        "case: the audience is always `complainant` (the conversation with the complainant), "
        "and any other is refused with 422. A wrong receipt and an unknown reference give the "
        "same 404.\n\n"
        "An institution client with `cases:write` whose institution has a part in the case "
        "writes to the complainant (`complainant`), to the other institutions of a joint case "
        "(`institutions`, never shown to the complainant), or an internal note (`internal`, "
        "read only at its own institution). To every other client the case does not exist."
    ),
    responses={
        201: {"description": "Posted; the message as its readers see it"},
        401: problem_answer("An access token was sent and is not valid"),
        403: FORBIDDEN_WRITE,
        404: NOT_FOUND,
        409: problem_answer(
            "The case no longer takes messages, or was filed a moment ago and is being opened "
            "(then with `Retry-After`)"
        ),
        422: problem_answer(
            "An empty or too long body, or an audience the complainant may not write to"
        ),
        503: SERVICES_UNAVAILABLE,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def post_message(
    reference: Reference,
    draft: Annotated[MessageDraft, Body(openapi_examples=MESSAGE_EXAMPLES)],
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    response: Response,
    x_receipt: ReceiptHeader = None,
) -> Message:
    response.headers.update(NO_STORE)
    if caller.kind == "public":
        if draft.audience != "complainant":
            raise ProblemError(
                422,
                "1 field is invalid",
                errors=[
                    FieldProblem(
                        field="audience",
                        message="The complainant writes to the case's institutions: "
                        "leave it out or send 'complainant'",
                    )
                ],
            )
        complainant = await as_complainant(reference, x_receipt, guard, upstreams.intake)
        with relayed(receipt_checked=True):
            return await upstreams.cases.post_message(complainant, reference, draft)
    require_kind(caller, "institution")
    require_scope(caller, "cases:write")
    with relayed():
        return await upstreams.cases.post_message(caller, reference, draft)
