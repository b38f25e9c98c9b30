"""Intake's internal HTTP API, called by the gateway only: thin routes over the use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, status

from intake.domain.audit import Actor
from intake.domain.decisions import DecisionPending, NotWaitingForPrerequisite
from intake.service import contact, personal_data, submissions
from intake.service.contact import PersonalDataErased
from intake.service.decisions import DecisionWaiters
from intake.service.submissions import NoMatch, ReferenceNotAllocated
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.intake import (
    ComplaintAccepted,
    ComplaintForStaff,
    ContactChange,
    IncomingComplaint,
    PersonalData,
    ReceiptCheck,
    ResubmissionCheck,
    SubmissionStatus,
)
from nowrongdoor.crypto import Sealer, StaticKeys
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import PROBLEM_JSON, Problem, ProblemError
from nowrongdoor.runtime import RuntimeDep

INTERNAL = [Depends(internal_principal)]
complaints_api = APIRouter(prefix="/internal", tags=["complaints"], dependencies=INTERNAL)
receipts_api = APIRouter(prefix="/internal", tags=["receipts"], dependencies=INTERNAL)
personal_data_api = APIRouter(prefix="/internal", tags=["personal data"], dependencies=INTERNAL)
routers = [complaints_api, receipts_api, personal_data_api]

NO_MATCH = "No case matches this reference and receipt."
NOT_YOURS = "No complaint with this reference for your institution."


async def _sealer(request: Request) -> Sealer:
    sealer: Sealer = request.app.state.sealer
    return sealer


async def _transport_keys(request: Request) -> StaticKeys:
    keys: StaticKeys = request.app.state.transport_keys
    return keys


async def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now


async def _waiters(request: Request) -> DecisionWaiters:
    waiters: DecisionWaiters = request.app.state.decision_waiters
    return waiters


SealerDep = Annotated[Sealer, Depends(_sealer)]
TransportKeysDep = Annotated[StaticKeys, Depends(_transport_keys)]
NowDep = Annotated[datetime, Depends(_now)]
WaitersDep = Annotated[DecisionWaiters, Depends(_waiters)]
Reference = Annotated[str, Path(pattern=REFERENCE_PATTERN)]


def _answer(description: str, *, retry_after: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "model": Problem,
        "content": {PROBLEM_JSON: {}},
        "description": description,
    }
    if retry_after:
        answer["headers"] = {
            "Retry-After": {"description": retry_after, "schema": {"type": "integer"}}
        }
    return answer


NO_MATCH_ANSWER = _answer("No case matches this reference and receipt; every miss alike")
DECISION_PENDING_ANSWER = _answer(
    "`decision-pending`: routing's decision has not reached intake within its wait",
    retry_after="Seconds after which the decision is likely to have arrived",
)


def _no_match() -> ProblemError:
    return ProblemError(404, NO_MATCH)


def _decision_pending(waiters: DecisionWaiters) -> ProblemError:
    return ProblemError(
        409,
        "This complaint is still being routed; follow the case to see the decision.",
        slug="decision-pending",
        title="Decision pending",
        headers={"Retry-After": str(waiters.retry_after)},
    )


@complaints_api.post(
    "/complaints",
    status_code=status.HTTP_201_CREATED,
    responses={503: _answer("No free reference could be drawn; nothing was stored")},
)
async def accept_complaint(
    incoming: IncomingComplaint,
    runtime: RuntimeDep,
    sealer: SealerDep,
    transport_keys: TransportKeysDep,
    now: NowDep,
) -> ComplaintAccepted:
    """Store a complaint sealed and announce its facts; the receipt is shown only here."""
    try:
        return await submissions.accept(runtime, sealer, transport_keys, incoming, now)
    except ReferenceNotAllocated:
        raise ProblemError(
            503, "Could not allocate a reference; nothing was stored. Try again."
        ) from None


@receipts_api.post("/receipts/check", responses={404: NO_MATCH_ANSWER})
async def check_receipt(check: ReceiptCheck, runtime: RuntimeDep) -> SubmissionStatus:
    """The submission behind a reference, if and only if the receipt is right."""
    try:
        return await submissions.check_receipt(runtime, check)
    except NoMatch:
        raise _no_match() from None


@complaints_api.post(
    "/complaints/{reference}/resubmission",
    responses={
        404: NO_MATCH_ANSWER,
        409: {
            **DECISION_PENDING_ANSWER,
            "description": "`not-waiting-for-prerequisite`: the case is not held for a missing "
            "step; or `decision-pending` (with `Retry-After`): routing's decision on it has not "
            "reached intake within its wait",
        },
    },
)
async def resubmit_complaint(
    check: ResubmissionCheck,
    reference: Reference,
    runtime: RuntimeDep,
    waiters: WaitersDep,
    now: NowDep,
) -> SubmissionStatus:
    """Come back under the same reference once the administration has been contacted.

    A decision on its way from routing is waited for, up to intake's decision wait.
    """
    if check.reference != reference:
        raise _no_match()
    try:
        return await submissions.resubmit(runtime, waiters, check, now)
    except NoMatch:
        raise _no_match() from None
    except NotWaitingForPrerequisite:
        raise ProblemError(
            409,
            "This case is not waiting for a missing step; there is nothing to add to it now.",
            slug="not-waiting-for-prerequisite",
            title="Not waiting for a prerequisite",
        ) from None
    except DecisionPending:
        raise _decision_pending(waiters) from None


@complaints_api.get(
    "/complaints/{reference}",
    tags=["personal data"],
    responses={
        404: _answer("No complaint with this reference for the caller's institution"),
        409: DECISION_PENDING_ANSWER,
    },
)
async def read_complaint(
    reference: Reference,
    runtime: RuntimeDep,
    sealer: SealerDep,
    waiters: WaitersDep,
    caller: CallerDep,
    now: NowDep,
) -> ComplaintForStaff:
    """The complaint opened for staff of an institution competent for it; every read audited.

    While routing's decision, which could let the caller's institution in, is on its way to
    intake, the read waits for it; if it has not come within intake's decision wait the answer
    is 409 `decision-pending` with `Retry-After`.
    """
    caller.require("cases:read")
    try:
        complaint = await personal_data.read_for_staff(
            runtime, sealer, waiters, caller, reference, now
        )
    except DecisionPending:
        raise _decision_pending(waiters) from None
    if complaint is None:
        raise ProblemError(404, NOT_YOURS)
    return complaint


@personal_data_api.post("/personal-data/export", responses={404: NO_MATCH_ANSWER})
async def export_personal_data(
    check: ReceiptCheck, runtime: RuntimeDep, sealer: SealerDep, caller: CallerDep, now: NowDep
) -> PersonalData:
    """Everything held about the complaint, opened, for whoever holds its receipt; audited."""
    try:
        return await personal_data.export(runtime, sealer, check, Actor.of(caller), now)
    except NoMatch:
        raise _no_match() from None


@personal_data_api.post("/personal-data/erase", responses={404: NO_MATCH_ANSWER})
async def erase_personal_data(
    check: ReceiptCheck, runtime: RuntimeDep, sealer: SealerDep, caller: CallerDep, now: NowDep
) -> PersonalData:
    """Erase the identity, description and respondent name; the facts stay. Audited."""
    try:
        return await personal_data.erase(runtime, sealer, check, Actor.of(caller), now)
    except NoMatch:
        raise _no_match() from None


@personal_data_api.put(
    "/complaints/{reference}/contact",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        404: NO_MATCH_ANSWER,
        409: _answer("`personal-data-erased`: no address is kept for an erased complaint"),
    },
)
async def change_contact(
    change: ContactChange,
    reference: Reference,
    runtime: RuntimeDep,
    sealer: SealerDep,
    transport_keys: TransportKeysDep,
    caller: CallerDep,
    now: NowDep,
) -> None:
    """Keep the addresses the complainant is told at, in place of any before; audited."""
    if change.reference != reference:
        raise _no_match()
    try:
        await contact.change(runtime, sealer, transport_keys, change, Actor.of(caller), now)
    except NoMatch:
        raise _no_match() from None
    except PersonalDataErased:
        raise ProblemError(
            409,
            "Your personal data was erased; no address can be kept for this case.",
            slug="personal-data-erased",
            title="Personal data erased",
        ) from None


@personal_data_api.post(
    "/complaints/{reference}/contact/removal",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: NO_MATCH_ANSWER},
)
async def remove_contact(
    check: ReceiptCheck,
    reference: Reference,
    runtime: RuntimeDep,
    sealer: SealerDep,
    transport_keys: TransportKeysDep,
    caller: CallerDep,
    now: NowDep,
) -> None:
    """Tell the complainant nothing by email or SMS any more; audited."""
    if check.reference != reference:
        raise _no_match()
    try:
        await contact.remove(runtime, sealer, transport_keys, check, Actor.of(caller), now)
    except NoMatch:
        raise _no_match() from None
