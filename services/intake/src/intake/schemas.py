"""Intake's internal API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from nowrongdoor.contracts import ComplaintSubmission
from nowrongdoor.events import Channel, Language
from nowrongdoor.ids import RECEIPT_PATTERN, REFERENCE_PATTERN


class IncomingComplaint(BaseModel):
    submission: ComplaintSubmission
    channel: Channel


class ReceiptCheck(BaseModel):
    reference: str = Field(pattern=REFERENCE_PATTERN)
    receipt: str = Field(pattern=RECEIPT_PATTERN)


class SubmissionStatus(BaseModel):
    reference: str
    received_at: datetime
    received_by: str | None
    language: Language
