"""Intake's internal HTTP API, called by the gateway only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status
from sqlalchemy.exc import IntegrityError

from intake import service
from intake.models import Submission
from intake.schemas import IncomingComplaint, ReceiptCheck, SubmissionStatus
from nowrongdoor.auth import internal_principal
from nowrongdoor.contracts import ComplaintAccepted
from nowrongdoor.crypto import Sealer
from nowrongdoor.problems import ProblemError
from nowrongdoor.runtime import RuntimeDep

router = APIRouter(prefix="/internal", tags=["intake"], dependencies=[Depends(internal_principal)])


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


@router.post("/receipts/check")
async def check_receipt(check: ReceiptCheck, runtime: RuntimeDep) -> SubmissionStatus:
    """The submission behind a reference, if and only if the receipt is right."""
    async with runtime.sessions() as session:
        record = await session.get(Submission, check.reference)
    matched = await service.receipt_matches(record.receipt_hash if record else None, check.receipt)
    if record is None or not matched:
        raise ProblemError(404, "No case matches this reference and receipt.")
    return SubmissionStatus(
        reference=record.reference,
        received_at=record.received_at,
        received_by=record.received_by,
        language=record.language,
    )
