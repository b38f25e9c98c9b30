"""Where the complainant is told of their case: add or change an address, or remove it, with the
receipt.

The gateway only forwards: intake checks the receipt under the guard, keeps the addresses sealed
and tells notifications; every miss is the one 404, and nothing is ever cached. A case session
does not stand in for the receipt here, as on the pages: intake asks for the receipt itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Response, status

from gateway.api.answers import NO_STORE, problem_answer, unavailable
from gateway.api.cases.shared import INVALID, NOT_FOUND, ReceiptHeader, Reference
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep
from gateway.edge.receipt_guard import ReceiptGuard, ReceiptGuardDep, case_not_found
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.intake import ContactAddresses, ContactChange, ReceiptCheck
from nowrongdoor.ids import is_receipt, is_reference
from nowrongdoor.problems import PROBLEM_BASE, Problem

router = APIRouter(prefix="/v1", tags=["cases"])

ANSWERS: dict[int | str, dict[str, Any]] = {
    204: {"description": "Done; nothing in the answer"},
    401: problem_answer("An Authorization header was sent and its access token is not valid"),
    404: NOT_FOUND,
    503: unavailable("Intake"),
}


async def _done(
    reference: str,
    receipt: str | None,
    guard: ReceiptGuard,
    do_it: Callable[[ReceiptCheck], Awaitable[bool]],
) -> Response:
    if not receipt or not is_reference(reference) or not is_receipt(receipt):
        raise case_not_found()
    check = ReceiptCheck(reference=reference, receipt=receipt)

    async def done() -> bool | None:
        return (await do_it(check)) or None  # None: a miss, counted by the guard

    await guard.guarded(reference, done)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=NO_STORE)


@router.put(
    "/cases/{reference}/contact",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Be told of your case by email or SMS",
    description=(
        "Give the email address, the phone number, or both, at which you want to hear of your "
        "case: they replace any given before, with the complaint too. They are kept sealed and "
        "shown to no institution as an address of yours. Send the receipt in `X-Receipt`, even "
        "with a case session, which does not stand in for it here; a wrong receipt and an "
        "unknown reference give the same 404."
    ),
    responses={
        **ANSWERS,
        409: problem_answer(
            "Your personal data was erased: no address can be kept for this case",
            Problem(
                type=PROBLEM_BASE + "personal-data-erased",
                title="Personal data erased",
                status=409,
                detail="Your personal data was erased; no address can be kept for this case.",
            ),
        ),
        422: INVALID,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def change_contact(
    reference: Reference,
    addresses: ContactAddresses,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    x_receipt: ReceiptHeader = None,
) -> Response:
    # The receipt opens it, never a token; a token sent all the same must still be valid.
    intake, public = upstreams.intake, Principal.public()

    def change(check: ReceiptCheck) -> Awaitable[bool]:
        return intake.change_contact(
            public, ContactChange(**check.model_dump(), **addresses.model_dump())
        )

    return await _done(reference, x_receipt, guard, change)


@router.delete(
    "/cases/{reference}/contact",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop being told of your case by email or SMS",
    description=(
        "Removes the addresses at which you hear of your case; you can still follow it with your "
        "receipt. Removing again changes nothing. Send the receipt in `X-Receipt`, even with a "
        "case session, which does not stand in for it here; a wrong receipt and an unknown "
        "reference give the same 404."
    ),
    responses=ANSWERS,
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def remove_contact(
    reference: Reference,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    x_receipt: ReceiptHeader = None,
) -> Response:
    # The receipt opens it, never a token; a token sent all the same must still be valid.
    intake, public = upstreams.intake, Principal.public()
    return await _done(
        reference, x_receipt, guard, lambda check: intake.remove_contact(public, check)
    )
