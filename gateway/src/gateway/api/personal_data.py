"""The complainant's own personal data: export it, or erase it, with the reference and receipt.

The gateway only forwards: intake checks the receipt, opens or erases the data and audits it;
both ways of handling one resource live here, so its `Allow` header names them both.
Answers are never cached anywhere on the way, and every miss is the same 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response

from gateway.api.answers import NO_STORE, problem_answer
from gateway.edge.authentication import ANONYMOUS_ALLOWED, CallerDep
from gateway.edge.receipt_guard import CASE_NOT_FOUND, ReceiptGuard, ReceiptGuardDep, case_not_found
from gateway.upstreams import UpstreamsDep
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.intake import ERASED_EXAMPLE, PersonalData, ReceiptCheck
from nowrongdoor.ids import is_receipt, is_reference
from nowrongdoor.problems import Problem

router = APIRouter(prefix="/v1", tags=["personal data"])


ReceiptHeader = Annotated[
    str | None,
    Header(
        alias="X-Receipt",
        description="The 16-digit receipt given when the complaint was filed",
        examples=["4821093377160254"],
    ),
]
ReferencePath = Annotated[str, Path(examples=["NWD-7K3M9QX2VD4H"])]


RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_answer("An Authorization header was sent and its access token is not valid"),
    404: problem_answer(
        "No case matches this reference and receipt; a wrong receipt, an unknown reference and "
        "a reference locked after repeated wrong receipts all give this same answer",
        Problem(type="/problems/not-found", title="Not found", status=404, detail=CASE_NOT_FOUND),
    ),
    503: problem_answer(
        "Intake is not answering; nothing was changed. Try again after Retry-After seconds",
        Problem(
            type="/problems/unavailable",
            title="Service unavailable",
            status=503,
            detail="The intake service is not answering right now; nothing was changed. "
            "Please try again shortly.",
        ),
    ),
}


async def _opened(
    reference: str,
    receipt: str | None,
    guard: ReceiptGuard,
    open_it: Callable[[ReceiptCheck], Awaitable[PersonalData | None]],
) -> PersonalData:
    if not receipt or not is_reference(reference) or not is_receipt(receipt):
        raise case_not_found()
    check = ReceiptCheck(reference=reference, receipt=receipt)
    return await guard.guarded(reference, lambda: open_it(check))


@router.get(
    "/cases/{reference}/personal-data",
    summary="Export your personal data",
    description=(
        "Everything held about the complaint, opened: your identity if you gave one, the "
        "description, the body complained about, and when it was received. Send the receipt in "
        "`X-Receipt`. A wrong receipt and an unknown reference give the same 404. Each export is "
        "recorded in the audit log; the answer is never cached."
    ),
    responses={200: {"description": "Your personal data"}, **RESPONSES},
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def export_personal_data(
    reference: ReferencePath,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    response: Response,
    x_receipt: ReceiptHeader = None,
) -> PersonalData:
    response.headers.update(NO_STORE)
    # The receipt opens it, never a token; a token sent all the same must still be valid.
    intake, public = upstreams.intake, Principal.public()
    return await _opened(
        reference, x_receipt, guard, lambda check: intake.export_personal_data(public, check)
    )


@router.delete(
    "/cases/{reference}/personal-data",
    summary="Erase your personal data",
    description=(
        "Erases your identity, the description and the name of the body complained about. The "
        "case keeps its reference, status and anonymous facts (category, territory…) for the "
        "statistics, and you can still follow it with your receipt; the institutions can no "
        "longer read what you wrote. Erasing again changes nothing. Each erasure is recorded in "
        "the audit log."
    ),
    responses={
        200: {
            "description": "Erased; what is still held",
            "content": {"application/json": {"example": ERASED_EXAMPLE}},
        },
        **RESPONSES,
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def erase_personal_data(
    reference: ReferencePath,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    response: Response,
    x_receipt: ReceiptHeader = None,
) -> PersonalData:
    response.headers.update(NO_STORE)
    # The receipt opens it, never a token; a token sent all the same must still be valid.
    intake, public = upstreams.intake, Principal.public()
    return await _opened(
        reference, x_receipt, guard, lambda check: intake.erase_personal_data(public, check)
    )
