"""Intake's internal API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from nowrongdoor.contracts import ComplaintForStaff, ComplaintSubmission, Identity
from nowrongdoor.events import Category, Channel, Language, RespondentType
from nowrongdoor.ids import RECEIPT_PATTERN, REFERENCE_PATTERN

ErasureReason = Literal["request", "retention"]


class IncomingComplaint(BaseModel):
    submission: ComplaintSubmission
    channel: Channel


class ReceiptCheck(BaseModel):
    reference: str = Field(pattern=REFERENCE_PATTERN)
    receipt: str = Field(pattern=RECEIPT_PATTERN)


class Resubmission(ReceiptCheck):
    administration_contacted: Literal[True] = Field(
        description="The administration has now been contacted, as the advice asked"
    )


class SubmissionStatus(BaseModel):
    reference: str
    received_at: datetime
    received_by: str | None
    language: Language


class PersonalDataExport(BaseModel):
    """Everything intake holds about one complaint, opened, for the complainant who filed it."""

    reference: str
    received_at: datetime
    received_by: str | None
    channel: Channel
    category: Category
    respondent_type: RespondentType
    respondent_territory: str
    language: Language
    erased: bool
    erased_at: datetime | None
    erasure_reason: ErasureReason | None
    identity: Identity | None
    description: str | None
    respondent_name: str | None


__all__ = ["ComplaintForStaff", "Identity"]
