"""The case session: the complainant gives the receipt once, then follows the case with a token.

Opening one checks the receipt as every receipt is checked, under the guard: a wrong one is
counted, and a locked reference refused, with the one 404. The session then stands in for the
receipt when reading the case, writing in it, downloading its files and withdrawing, so the slow
hash is paid once; where intake checks the receipt itself (where to be told, resubmitting,
personal data) it is still sent. It is the web pages' tracking session, handed to API callers.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from gateway.api.answers import NO_STORE, problem_answer, unavailable
from gateway.api.cases.shared import (
    NOT_FOUND,
    TOKEN_REFUSED,
    ReceiptHeader,
    Reference,
    as_complainant,
)
from gateway.edge.authentication import (
    ANONYMOUS_ALLOWED,
    CallerDep,
    CaseSessionDep,
    CaseSessionsDep,
)
from gateway.edge.receipt_guard import ReceiptGuardDep, case_not_found
from gateway.upstreams import UpstreamsDep
from nowrongdoor.problems import PROBLEM_BASE, Problem

router = APIRouter(prefix="/v1", tags=["cases"])


class CaseSessionOpened(BaseModel):
    """A case session, in the shape of an OAuth 2.0 token answer (RFC 6749 §5.1)."""

    access_token: str = Field(
        description="Send it as `Authorization: Bearer <access_token>` instead of the receipt",
        examples=["nwdt_2xQ9vJb0Fh3LkR7mT1sW8yNc4ZpA6dEu5oGiH0qVrXw"],
    )
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_in: int = Field(
        description="Seconds the session lasts without use; each request made with it starts "
        "them again",
        examples=[1200],
    )
    reference: str = Field(
        description="The one case the session opens", examples=["NWD-7K3M9QX2VD4H"]
    )


@router.post(
    "/cases/{reference}/session",
    status_code=status.HTTP_201_CREATED,
    summary="Open a case session with the receipt",
    description=(
        "Checks the receipt in `X-Receipt` once and answers a token that stands in for it, for "
        "this one case: send it as `Authorization: Bearer <access_token>` to read the case, "
        "write in it, download its files and withdraw it, and no receipt is checked again "
        "(checking one is slow on purpose). Where to be told of the case, resubmitting and "
        "personal data still ask for the receipt. The token holds no scope; it begins with "
        "`nwdt_`, so it is never taken for an institution's access token. It lasts "
        "`expires_in` seconds without use, each use starting them again, until "
        "`DELETE /v1/cases/{reference}/session`; then it is refused with 401 and another "
        "session can be opened with the receipt. Keep it as secret as the receipt. A wrong "
        "receipt and an unknown reference give the same 404, and wrong receipts count towards "
        "locking the reference, as everywhere else."
    ),
    responses={
        201: {
            "description": "The session, opened",
            "headers": {
                "Cache-Control": {
                    "description": "`no-store`: the token is kept by no cache",
                    "schema": {"type": "string"},
                    "example": "no-store",
                }
            },
        },
        401: TOKEN_REFUSED,
        404: NOT_FOUND,
        503: unavailable("Intake"),
    },
    openapi_extra=ANONYMOUS_ALLOWED,
)
async def open_session(
    reference: Reference,
    caller: CallerDep,
    upstreams: UpstreamsDep,
    guard: ReceiptGuardDep,
    sessions: CaseSessionsDep,
    response: Response,
    x_receipt: ReceiptHeader = None,
) -> CaseSessionOpened:
    # The receipt opens the session, never a token; a token sent all the same must be valid.
    await as_complainant(reference, x_receipt, guard, upstreams.intake)
    token = await sessions.open_token(reference)
    response.headers.update(NO_STORE)
    return CaseSessionOpened(
        access_token=token, expires_in=sessions.idle_seconds, reference=reference
    )


@router.delete(
    "/cases/{reference}/session",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End a case session",
    description=(
        "Ends the case session whose token is sent as `Authorization: Bearer`: from then on it "
        "is refused with 401, everywhere. A session of another case ends nothing and gives "
        "the same 404 as an unknown reference. Ending one already ended is a 401: there is no "
        "session left to end."
    ),
    responses={
        204: {"description": "Ended; nothing in the answer"},
        401: problem_answer(
            "No case session's token was sent, or it has ended already",
            Problem(
                type=PROBLEM_BASE + "invalid-token",
                title="Invalid access token",
                status=401,
                detail="The case session has ended or is unknown; open a new one with the receipt.",
            ),
        ),
        404: NOT_FOUND,
    },
)
async def end_session(
    reference: Reference, session: CaseSessionDep, sessions: CaseSessionsDep
) -> Response:
    if not session.complainant.may_open_as_complainant(reference):
        raise case_not_found()
    await sessions.end_token(session.token)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=NO_STORE)
