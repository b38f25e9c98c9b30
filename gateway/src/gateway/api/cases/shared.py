"""What the case routes share: their parameters, their documented answers, opening a case.

Every miss on a case is the one 404 of the receipt guard: a wrong receipt, an unknown reference,
a locked reference, a case session of another case and another institution's case look the same,
so none can be probed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query

from gateway.api.answers import NO_STORE, problem_answer
from gateway.edge.receipt_guard import CASE_NOT_FOUND, ReceiptGuard, case_not_found
from nowrongdoor.auth import Principal
from nowrongdoor.contracts.cases import CaseFilters
from nowrongdoor.contracts.http import ServiceProblem
from nowrongdoor.contracts.intake import IntakeClient, ReceiptCheck
from nowrongdoor.contracts.vocabulary import TERRITORY_PATTERN, CaseStatus, Category
from nowrongdoor.ids import REFERENCE_PATTERN, is_receipt, is_reference
from nowrongdoor.problems import PROBLEM_BASE, FieldProblem, Problem, ProblemError

Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN, examples=["NWD-7K3M9QX2VD4H"])]
ReceiptHeader = Annotated[
    str | None,
    Header(
        alias="X-Receipt",
        description="The 16-digit receipt given when the complaint was filed",
        examples=["4821093377160254"],
    ),
]
SessionOrReceiptHeader = Annotated[
    str | None,
    Header(
        alias="X-Receipt",
        description="The 16-digit receipt given when the complaint was filed; not needed, and "
        "not read, with the token of a case session as `Authorization: Bearer`",
        examples=["4821093377160254"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=100, description="Cases per page")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the page before")
]
# Read here, documented as required below: a change without it is 428, not a validation error.
IfMatchHeader = Annotated[str | None, Header(alias="If-Match", include_in_schema=False)]
IF_MATCH_REQUIRED: dict[str, Any] = {
    "parameters": [
        {
            "name": "If-Match",
            "in": "header",
            "required": True,
            "description": (
                "The `ETag` of the case as last read (`GET /v1/cases/{reference}`) or changed. "
                "A change made meanwhile by someone else makes it stale: the answer is then 412, "
                "and nothing changes until the case is read again."
            ),
            "schema": {"type": "string", "maxLength": 100},
            "example": '"7"',
        }
    ]
}
ETAG_HEADER = {
    "ETag": {
        "description": "The case's entity tag: send it back as `If-Match` with a change",
        "schema": {"type": "string"},
        "example": '"7"',
    }
}


def _problem(status: int, slug: str, title: str, detail: str, **more: Any) -> Problem:
    return Problem(type=PROBLEM_BASE + slug, title=title, status=status, detail=detail, **more)


NOT_FOUND = problem_answer(
    "No case matches: a wrong receipt, an unknown reference, a reference locked after repeated "
    "wrong receipts, a case session of another case and a case of another institution all give "
    "this same answer",
    _problem(404, "not-found", "Not found", CASE_NOT_FOUND),
)
UNAUTHENTICATED = problem_answer(
    "No valid access token",
    _problem(401, "unauthenticated", "Authentication required", "Send an access token."),
)
TOKEN_REFUSED = problem_answer(
    "A bearer token was sent and is not valid: an access token expired or revoked, or a case "
    "session ended (after its idle time, or by `DELETE /v1/cases/{reference}/session`). Open "
    "another session with the receipt",
    _problem(
        401,
        "invalid-token",
        "Invalid access token",
        "The case session has ended or is unknown; open a new one with the receipt.",
    ),
)
FORBIDDEN_READ = problem_answer(
    "Not an institution client, or no `cases:read` scope",
    _problem(
        403, "insufficient-scope", "Insufficient scope", "This client lacks the `cases:read` scope."
    ),
)
FORBIDDEN_WRITE = problem_answer(
    "Not an institution client, or no `cases:write` scope",
    _problem(
        403,
        "insufficient-scope",
        "Insufficient scope",
        "This client lacks the `cases:write` scope.",
    ),
)
ILLEGAL_TRANSITION = problem_answer(
    "The step is not one this part of the case may take now; `errors` names each it may take",
    _problem(
        409,
        "illegal-transition",
        "Illegal transition",
        "This is acknowledged; it cannot become investigating. Allowed next steps: "
        "admissible, inadmissible, awaiting-complainant, transferred.",
        errors=[
            FieldProblem(field="status", message=status)
            for status in ("admissible", "inadmissible", "awaiting-complainant", "transferred")
        ],
    ),
)
PRECONDITION_FAILED = problem_answer(
    "`If-Match` is stale: the case changed since it was read. Read it again, then decide again",
    _problem(
        412,
        "precondition-failed",
        "Precondition failed",
        "The case changed since it was read; read it again and retry.",
    ),
)
PRECONDITION_REQUIRED = problem_answer(
    "No `If-Match`: every change names the version of the case it was decided on",
    _problem(
        428,
        "precondition-required",
        "Precondition required",
        "Send the case's ETag as `If-Match`.",
    ),
)
INVALID = problem_answer(
    "A field is invalid; nothing was changed",
    _problem(
        422,
        "validation-error",
        "Invalid request",
        "1 field is invalid",
        errors=[FieldProblem(field="reason", message="A reason is required for this step")],
    ),
)
BEING_OPENED = problem_answer(
    "Filed a moment ago; the case is being opened. Ask again after `Retry-After` seconds",
    _problem(
        409,
        "case-being-opened",
        "Case being opened",
        "This complaint was filed a moment ago and its case is being opened; ask again in a "
        "second.",
    ),
)
CASES_UNAVAILABLE = problem_answer(
    "Case-tracking is not answering; nothing was changed. Try again after `Retry-After` seconds",
    _problem(
        503,
        "unavailable",
        "Service unavailable",
        "The case-tracking service is not answering right now; nothing was changed. "
        "Please try again shortly.",
    ),
)
SERVICES_UNAVAILABLE = problem_answer(
    "Intake or case-tracking is not answering; nothing was changed. Try again after "
    "`Retry-After` seconds",
    _problem(
        503,
        "unavailable",
        "Service unavailable",
        "The case-tracking service is not answering right now; nothing was changed. "
        "Please try again shortly.",
    ),
)


def case_being_opened() -> ProblemError:
    """Intake holds the complaint and case-tracking has not heard of it yet."""
    return ProblemError(
        409,
        "This complaint was filed a moment ago and its case is being opened; "
        "ask again in a second.",
        slug="case-being-opened",
        title="Case being opened",
        headers={"Retry-After": "1", **NO_STORE},
    )


def precondition_required(if_match: str | None) -> str:
    """The `If-Match` a change was sent with; 428 without one."""
    if not if_match:
        raise ProblemError(
            428,
            "Send the case's ETag as `If-Match`: read the case, then change it.",
            slug="precondition-required",
            title="Precondition required",
            headers=NO_STORE,
        )
    return if_match


async def complainant_for(
    caller: Principal,
    reference: str,
    receipt: str | None,
    guard: ReceiptGuard,
    intake: IntakeClient,
) -> Principal:
    """The complainant of `reference`: the caller when their case session opens that case (no
    receipt is checked then, nor read), else the public holding a receipt intake has checked.
    A session of another case is the one 404, uncounted: it is no wrong receipt."""
    if caller.case_reference is None:
        return await as_complainant(reference, receipt, guard, intake)
    if not caller.may_open_as_complainant(reference):
        raise case_not_found()
    return caller


async def as_complainant(
    reference: str, receipt: str | None, guard: ReceiptGuard, intake: IntakeClient
) -> Principal:
    """The public holding the receipt for `reference`, once intake has checked it under the
    guard; the one 404, counted, for any miss."""
    if not receipt or not is_reference(reference) or not is_receipt(receipt):
        raise case_not_found()
    check = ReceiptCheck(reference=reference, receipt=receipt)
    # The receipt opens the case, never a token; a token sent all the same must still be valid.
    public = Principal.public()
    await guard.guarded(reference, lambda: intake.check_receipt(public, check))
    return public.holding_receipt_for(reference)


@contextmanager
def relayed(*, receipt_checked: bool = False) -> Iterator[None]:
    """Case-tracking's refusals as the caller's own, never cached. Its 404 is the one 404; for a
    complainant whose receipt intake has just accepted, it means the case is being opened."""
    try:
        yield
    except ServiceProblem as refusal:
        if refusal.status == 404:
            raise (case_being_opened() if receipt_checked else case_not_found()) from None
        refusal.headers = {**refusal.headers, **NO_STORE}
        raise


async def case_filters(
    status: Annotated[
        CaseStatus | None,
        Query(
            description="Only cases in which the calling institution's part has this status",
            examples=["acknowledged"],
        ),
    ] = None,
    category: Annotated[
        Category | None, Query(description="Only complaints of this category")
    ] = None,
    territory: Annotated[
        str | None,
        Query(
            pattern=TERRITORY_PATTERN,
            description="Only complaints about a body in this territory (ISO 3166-2) or inside it",
            examples=["MA-06"],
        ),
    ] = None,
    overdue: Annotated[
        bool | None,
        Query(description="Only cases with (true) or without (false) a promised date missed"),
    ] = None,
    received_from: Annotated[
        datetime | None,
        Query(
            description="Only complaints received at or after this time; UTC unless an offset "
            "is given, a date alone is its midnight",
            examples=["2026-11-01T00:00:00Z"],
        ),
    ] = None,
    received_until: Annotated[
        datetime | None,
        Query(
            description="Only complaints received at or before this time; UTC unless an offset "
            "is given, a date alone is its midnight",
            examples=["2026-12-01T00:00:00Z"],
        ),
    ] = None,
) -> CaseFilters:
    """The list's filters from the query, times made UTC; a window ending before it starts is
    a 422."""
    start, end = _utc(received_from), _utc(received_until)
    if start is not None and end is not None and start > end:
        raise ProblemError(
            422,
            "1 field is invalid",
            errors=[
                FieldProblem(field="received_until", message="Must not be before received_from")
            ],
        )
    return CaseFilters(
        status=status,
        category=category,
        territory=territory,
        overdue=overdue,
        received_from=start,
        received_until=end,
    )


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


FiltersDep = Annotated[CaseFilters, Depends(case_filters)]
