"""Intake's internal HTTP API, called by the gateway only."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Path, Request, status
from sqlalchemy.exc import IntegrityError

from intake import privacy, service
from intake.audit import Actor
from intake.models import Submission
from nowrongdoor.auth import CallerDep, internal_principal
from nowrongdoor.contracts.intake import (
    ComplaintAccepted,
    ComplaintForStaff,
    IncomingComplaint,
    PersonalData,
    ReceiptCheck,
    ResubmissionCheck,
    SubmissionStatus,
)
from nowrongdoor.crypto import Sealer
from nowrongdoor.ids import REFERENCE_PATTERN
from nowrongdoor.problems import ProblemError
from nowrongdoor.runtime import Runtime, RuntimeDep

router = APIRouter(prefix="/internal", tags=["intake"], dependencies=[Depends(internal_principal)])

NO_MATCH = "No case matches this reference and receipt."
DECISION_POLL_SECONDS = 0.1


@router.post("/complaints", status_code=status.HTTP_201_CREATED)
async def accept_complaint(
    incoming: IncomingComplaint, runtime: RuntimeDep, request: Request
) -> ComplaintAccepted:
    sealer: Sealer = request.app.state.sealer
    for _attempt in range(3):
        reference, receipt = service.fresh_credentials()
        receipt_hash = await service.hash_receipt(receipt)
        try:
            async with runtime.transaction() as session:
                service.accept_complaint(
                    session,
                    sealer,
                    incoming.submission,
                    incoming.channel,
                    reference=reference,
                    receipt_hash=receipt_hash,
                )
        except IntegrityError:
            continue  # a reference drawn twice in 2^60; draw again
        return ComplaintAccepted(reference=reference, receipt=receipt)
    raise ProblemError(503, "Could not allocate a reference; nothing was stored. Try again.")


async def _matching_submission(runtime: Runtime, check: ReceiptCheck) -> Submission:
    """The submission behind a reference if the receipt is right; one 404 for every miss."""
    async with runtime.sessions() as session:
        record = await session.get(Submission, check.reference)
    matched = await service.receipt_matches(record.receipt_hash if record else None, check.receipt)
    if record is None or not matched:
        raise ProblemError(404, NO_MATCH)
    return record


def _status_of(record: Submission) -> SubmissionStatus:
    return SubmissionStatus(
        reference=record.reference,
        received_at=record.received_at,
        received_by=record.received_by,
        language=record.language,
    )


@router.post("/receipts/check")
async def check_receipt(check: ReceiptCheck, runtime: RuntimeDep) -> SubmissionStatus:
    """The submission behind a reference, if and only if the receipt is right."""
    return _status_of(await _matching_submission(runtime, check))


@router.post("/complaints/{reference}/resubmission")
async def resubmit_complaint(
    check: ResubmissionCheck,
    runtime: RuntimeDep,
    request: Request,
    reference: str = Path(pattern=REFERENCE_PATTERN),
) -> SubmissionStatus:
    """Come back under the same reference once the administration has been contacted."""
    if check.reference != reference:
        raise ProblemError(404, NO_MATCH)
    await _matching_submission(runtime, check)
    await _decision_on_its_way(runtime, reference, request.app.state.decision_wait)
    try:
        async with runtime.transaction() as session:
            record = await session.get(Submission, reference, with_for_update=True)
            assert record is not None
            service.resubmit(record, session, request.app.state.clock())
            return _status_of(record)
    except service.NotWaitingForPrerequisite as error:
        raise ProblemError(
            409,
            "This case is not waiting for a missing step; there is nothing to add to it now.",
            slug="not-waiting-for-prerequisite",
            title="Not waiting for a prerequisite",
        ) from error
    except service.DecisionPending as error:
        raise ProblemError(
            409,
            "This complaint is still being routed; follow the case to see the decision.",
            slug="decision-pending",
            title="Decision pending",
        ) from error


async def _decision_on_its_way(runtime: Runtime, reference: str, wait: float) -> None:
    """Give routing's decision a moment to arrive when it is due.

    The case view learns the decision from the same event as intake does, so the person asking
    may already see it while intake is a moment behind. A complaint with no decision due, or
    none arriving within `wait` seconds, is answered as it stands.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        async with runtime.sessions() as session:
            record = await session.get(Submission, reference)
            due = record is not None and record.decision_outcome is None
        if not due or loop.time() >= deadline:
            return
        await asyncio.sleep(DECISION_POLL_SECONDS)


@router.post("/personal-data/export", tags=["personal data"])
async def export_personal_data(
    check: ReceiptCheck, runtime: RuntimeDep, request: Request, caller: CallerDep
) -> PersonalData:
    """Everything held about the complaint, opened, for whoever holds its receipt; audited."""
    await _matching_submission(runtime, check)
    async with runtime.transaction() as session:
        record = await session.get(Submission, check.reference)
        assert record is not None
        return privacy.export(session, request.app.state.sealer, Actor.of(caller), record)


@router.post("/personal-data/erase", tags=["personal data"])
async def erase_personal_data(
    check: ReceiptCheck, runtime: RuntimeDep, request: Request, caller: CallerDep
) -> PersonalData:
    """Erase the identity, description and respondent name; the facts stay. Audited."""
    await _matching_submission(runtime, check)
    async with runtime.transaction() as session:
        return await privacy.erase(
            session,
            request.app.state.sealer,
            Actor.of(caller),
            check.reference,
            request.app.state.clock(),
        )


@router.get("/complaints/{reference}", tags=["personal data"])
async def read_complaint(
    runtime: RuntimeDep,
    request: Request,
    caller: CallerDep,
    reference: str = Path(pattern=REFERENCE_PATTERN),
) -> ComplaintForStaff:
    """The complaint opened for staff of an institution competent for it; every read audited."""
    caller.require("cases:read")
    await _decision_on_its_way(runtime, reference, request.app.state.decision_wait)
    async with runtime.transaction() as session:
        complaint = await privacy.read_for_staff(
            session, request.app.state.sealer, caller, reference
        )
    if complaint is None:
        raise ProblemError(404, "No complaint with this reference for your institution.")
    return complaint
