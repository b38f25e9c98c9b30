"""The public REST API, version 1."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse

from gateway.clients import UpstreamsDep
from gateway.idempotency import IDEMPOTENCY_KEY_PATTERN, IdempotencyStore, StoredAnswer
from nowrongdoor.auth import Principal
from nowrongdoor.contracts import CaseView, ComplaintSubmission, TimelineEntry
from nowrongdoor.ids import is_receipt, is_reference
from nowrongdoor.problems import FieldProblem, Problem, ProblemError

router = APIRouter(prefix="/v1")

PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
NO_STORE = {"Cache-Control": "no-store"}


@router.post(
    "/complaints",
    status_code=status.HTTP_201_CREATED,
    tags=["complaints"],
    summary="File a complaint",
    description=(
        "Accepts a complaint through any door. The answer holds the public `reference` and the "
        "secret `receipt`, shown only in this answer: together they open the case. "
        "Send an `Idempotency-Key` (16 to 128 characters) to retry safely: the same key and body "
        "give the first answer again."
    ),
    responses={
        201: {"description": "Accepted; keep the receipt, it is shown only once"},
        409: {**PROBLEM, "description": "The same Idempotency-Key is still in flight"},
        422: {**PROBLEM, "description": "Invalid input; nothing was stored"},
        503: {**PROBLEM, "description": "A service behind the gateway is down; nothing stored"},
    },
)
async def file_complaint(
    submission: ComplaintSubmission,
    request: Request,
    upstreams: UpstreamsDep,
    idempotency_key: Annotated[
        str | None, Header(pattern=IDEMPOTENCY_KEY_PATTERN, alias="Idempotency-Key")
    ] = None,
) -> JSONResponse:
    async def produce() -> StoredAnswer:
        if (
            submission.received_by
            and submission.received_by not in await upstreams.institution_ids()
        ):
            raise ProblemError(
                422,
                "1 field is invalid",
                errors=[
                    FieldProblem(
                        field="received_by", message="No participating institution has this id"
                    )
                ],
            )
        accepted = await upstreams.submit(Principal.public(), submission, "api")
        return StoredAnswer(status=201, body=accepted.model_dump(mode="json"))

    if idempotency_key is None:
        answer = await produce()
    else:
        store: IdempotencyStore = request.app.state.idempotency
        answer = await store.run("public", idempotency_key, await request.body(), produce)
    return JSONResponse(answer.body, status_code=answer.status, headers=NO_STORE)


@router.get(
    "/cases/{reference}",
    tags=["cases"],
    summary="Follow a case with its reference and receipt",
    description=(
        "Answers the case — its status, the competent institution(s) and the timeline — when "
        "`X-Receipt` holds the receipt given at submission. A wrong receipt and an unknown "
        "reference give the same 404, so neither can be probed."
    ),
    responses={404: {**PROBLEM, "description": "No case matches this reference and receipt"}},
)
async def follow_case(
    reference: str,
    response: Response,
    upstreams: UpstreamsDep,
    x_receipt: Annotated[str | None, Header(alias="X-Receipt")] = None,
) -> CaseView:
    response.headers.update(NO_STORE)
    not_found = ProblemError(404, "No case matches this reference and receipt.", headers=NO_STORE)
    if not x_receipt or not is_reference(reference) or not is_receipt(x_receipt):
        raise not_found
    submission = await upstreams.check_receipt(Principal.public(), reference, x_receipt)
    if submission is None:
        raise not_found
    view = await upstreams.case(Principal.public(), reference)
    if view is not None:
        return view
    # Accepted but not yet routed: the events are still on their way.
    return CaseView(
        reference=reference,
        status="received",
        institutions=[],
        timeline=[
            TimelineEntry(
                at=submission["received_at"],
                kind="received",
                actor="platform",
                summary="Received; finding the competent institution",
            )
        ],
    )
