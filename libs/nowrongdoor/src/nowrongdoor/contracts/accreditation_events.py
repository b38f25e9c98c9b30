"""Accreditation events: each step of an NGO's accreditation with an institution, as routing
announces it. Reasons and answers stay in routing's trail, read through the API; none travels
here."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from nowrongdoor.contracts.events import Event
from nowrongdoor.contracts.vocabulary import AccreditationStatus, Category


class AccreditationStepTaken(Event):
    """Base of the accreditation lifecycle's events: which NGO, which institution, which status.

    Reasons and answers stay in routing's trail, read through the API; none travels here.
    """

    accreditation_id: str
    ngo_id: str = Field(description="The NGO's organisation id", examples=["fr-sherpa"])
    institution_id: str = Field(description="The granting institution", examples=["fr-hatvp"])
    status: AccreditationStatus
    previous_status: AccreditationStatus | None = Field(None, description="None for an application")
    by_client_id: str = Field(description="The API client that took the step")
    by_kind: Literal["institution", "ngo", "admin"]
    at: datetime


class AccreditationScopeFacts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    categories: list[Category]
    territories: list[str] = Field(examples=[["FR"]])


class AccreditationApplied(AccreditationStepTaken):
    """An NGO applied to an institution for accreditation."""

    type: ClassVar[str] = "org.nowrongdoor.accreditation.applied.v1"
    subject: ClassVar[str] = "accreditation.applied"
    stream: ClassVar[str] = "ACCREDITATIONS"


class AccreditationGranted(AccreditationStepTaken):
    type: ClassVar[str] = "org.nowrongdoor.accreditation.granted.v1"
    subject: ClassVar[str] = "accreditation.granted"
    stream: ClassVar[str] = "ACCREDITATIONS"

    scope: AccreditationScopeFacts
    expires_on: date = Field(description="The last day it holds (UTC)")


class AccreditationRefused(AccreditationStepTaken):
    type: ClassVar[str] = "org.nowrongdoor.accreditation.refused.v1"
    subject: ClassVar[str] = "accreditation.refused"
    stream: ClassVar[str] = "ACCREDITATIONS"


class AccreditationSuspended(AccreditationStepTaken):
    """An NGO's submissions relying on it are refused until it is reinstated."""

    type: ClassVar[str] = "org.nowrongdoor.accreditation.suspended.v1"
    subject: ClassVar[str] = "accreditation.suspended"
    stream: ClassVar[str] = "ACCREDITATIONS"


class AccreditationReinstated(AccreditationStepTaken):
    type: ClassVar[str] = "org.nowrongdoor.accreditation.reinstated.v1"
    subject: ClassVar[str] = "accreditation.reinstated"
    stream: ClassVar[str] = "ACCREDITATIONS"


class AccreditationRenewed(AccreditationStepTaken):
    type: ClassVar[str] = "org.nowrongdoor.accreditation.renewed.v1"
    subject: ClassVar[str] = "accreditation.renewed"
    stream: ClassVar[str] = "ACCREDITATIONS"

    expires_on: date = Field(description="The new last day it holds (UTC)")


class AccreditationRevoked(AccreditationStepTaken):
    """The accreditation ended for good."""

    type: ClassVar[str] = "org.nowrongdoor.accreditation.revoked.v1"
    subject: ClassVar[str] = "accreditation.revoked"
    stream: ClassVar[str] = "ACCREDITATIONS"
