"""Intake's HTTP contracts: a complaint as filed, the receipt checks, the personal data it holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nowrongdoor.auth import Principal
from nowrongdoor.contacts import ContactDetails
from nowrongdoor.contracts.accreditations import ACCREDITATION_ID_PATTERN
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem
from nowrongdoor.contracts.vocabulary import (
    INSTITUTION_ID_PATTERN,
    TERRITORY_PATTERN,
    Category,
    Channel,
    ComplainantRole,
    Language,
    RespondentType,
)
from nowrongdoor.ids import RECEIPT_PATTERN, REFERENCE_PATTERN

_Answer = TypeVar("_Answer", bound=BaseModel)


class Respondent(BaseModel):
    """The body complained about."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300, examples=["Commune de Casablanca"])
    type: RespondentType = Field(examples=["local-authority"])
    territory: str = Field(
        pattern=TERRITORY_PATTERN,
        description="ISO 3166-2 subdivision code (`MA-06`) or ISO 3166-1 country code (`MA`)",
        examples=["MA-06"],
    )


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^\+?[0-9 ().-]{6,20}$"


class Complainant(BaseModel):
    # The rule below, in JSON Schema too, so clients and generated tests know it.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"anonymous": {"const": True}}, "required": ["anonymous"]},
            "then": {"properties": {"name": {"type": "null"}}},
        },
    )

    role: ComplainantRole = Field(examples=["citizen"])
    anonymous: bool = Field(examples=[False])
    name: str | None = Field(None, min_length=1, max_length=200, examples=["Amina El Idrissi"])
    email: str | None = Field(
        None,
        max_length=254,
        pattern=EMAIL_PATTERN,
        examples=["amina@example.org"],
    )
    phone: str | None = Field(None, pattern=PHONE_PATTERN, examples=["+212 600 000 000"])

    @model_validator(mode="after")
    def _anonymous_means_no_name(self) -> Complainant:
        if self.anonymous and self.name:
            raise ValueError("an anonymous complainant gives no name; leave `name` out")
        return self


class ComplaintSubmission(BaseModel):
    """A complaint as a citizen, an institution's counter or an NGO files it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "description": "The commune has not answered my request for a birth "
                    "certificate for five months despite three visits.",
                    "category": "maladministration",
                    "respondent": {
                        "name": "Commune de Casablanca",
                        "type": "local-authority",
                        "territory": "MA-06",
                    },
                    "complainant": {"role": "citizen", "anonymous": True},
                    "administration_contacted": True,
                    "court_case_pending": False,
                    "language": "fr",
                }
            ]
        },
    )

    description: str = Field(min_length=10, max_length=20_000)
    category: Category
    respondent: Respondent
    complainant: Complainant
    administration_contacted: bool
    court_case_pending: bool
    language: Language
    received_by: str | None = Field(None, pattern=INSTITUTION_ID_PATTERN, examples=["ma-mediateur"])
    accreditation_id: str | None = Field(
        None,
        pattern=ACCREDITATION_ID_PATTERN,
        description="For an NGO's client: the accreditation the alert relies on. The alert is "
        "then marked verified; the accreditation must be granted, unexpired, and cover the "
        "complaint's category and territory",
        examples=["acc-3f2a9c1d7e4b4a0c9d8e7f6a5b4c3d2e"],
    )


class ComplaintAccepted(BaseModel):
    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    receipt: str = Field(
        description="16 digits, shown only once: with the reference it opens the case",
        examples=["4821093377160254"],
    )


class Identity(BaseModel):
    name: str | None = Field(None, examples=["Amina El Idrissi"])
    email: str | None = Field(None, examples=["amina@example.org"])
    phone: str | None = Field(None, examples=["+212 600 000 000"])


class ComplaintForStaff(BaseModel):
    """A complaint opened for staff of an institution competent for it; every read is audited."""

    reference: str
    received_at: datetime
    received_by: str | None
    channel: Channel
    category: Category
    respondent_type: RespondentType
    respondent_territory: str
    complainant_role: ComplainantRole
    anonymous: bool
    administration_contacted: bool
    court_case_pending: bool
    language: Language
    competent_institution_ids: list[str]
    erased_at: datetime | None
    relayed_by: RelayingNgo | None = Field(
        None,
        description="The NGO that relayed the alert; the identity below is what it chose to "
        "pass, if anything",
    )
    identity: Identity | None
    description: str | None
    respondent_name: str | None


class IncomingComplaint(BaseModel):
    """A submission as the gateway hands it to intake, with the door it came through."""

    submission: ComplaintSubmission
    channel: Channel
    relayed_by: RelayingNgo | None = None


class ReceiptCheck(BaseModel):
    """A reference and the receipt claimed for it."""

    reference: str = Field(pattern=REFERENCE_PATTERN)
    receipt: str = Field(pattern=RECEIPT_PATTERN)


class ResubmissionCheck(ReceiptCheck):
    """The complainant comes back under the same reference with the missing step done."""

    administration_contacted: Literal[True] = Field(
        description="The administration has now been contacted, as the advice asked"
    )


class ContactAddresses(BaseModel):
    """Where the complainant wants to be told of their case: an email, a phone, or both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("email", "phone")
            ]
        },
    )

    email: str | None = Field(
        None, max_length=254, pattern=EMAIL_PATTERN, examples=["amina@example.org"]
    )
    phone: str | None = Field(None, pattern=PHONE_PATTERN, examples=["+212 600 000 000"])

    @model_validator(mode="after")
    def _at_least_one(self) -> ContactAddresses:
        if not (self.email or self.phone):
            raise ValueError("give an email address, a phone number, or both")
        return self


class ContactChange(ReceiptCheck, ContactAddresses):
    """The complainant, holding the receipt, gives the addresses to be told at from now on."""


class SubmissionStatus(BaseModel):
    """What intake tells of a submission once its receipt has been checked."""

    reference: str
    received_at: datetime
    received_by: str | None
    language: Language


ErasureReason = Literal["request", "retention"]

_HELD: dict[str, Any] = {
    "reference": "NWD-7K3M9QX2VD4H",
    "received_at": "2026-11-02T10:14:05Z",
    "received_by": None,
    "channel": "web",
    "category": "maladministration",
    "respondent_type": "local-authority",
    "respondent_territory": "MA-06",
    "language": "fr",
}
EXPORTED_EXAMPLE: dict[str, Any] = {
    **_HELD,
    "erased": False,
    "erased_at": None,
    "erasure_reason": None,
    "identity": {
        "name": "Amina El Idrissi",
        "email": "amina@example.org",
        "phone": "+212 600 000 000",
    },
    "description": "The commune has not answered my request for a birth certificate for five "
    "months despite three visits.",
    "respondent_name": "Commune de Casablanca",
    "contact": {"email": "amina@example.org", "phone": None},
}
ERASED_EXAMPLE: dict[str, Any] = {
    **_HELD,
    "erased": True,
    "erased_at": "2026-11-20T08:00:00Z",
    "erasure_reason": "request",
    "identity": None,
    "description": None,
    "respondent_name": None,
    "contact": None,
}


class PersonalData(BaseModel):
    """Everything held about a complaint, opened for the complainant who filed it."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXPORTED_EXAMPLE, ERASED_EXAMPLE]})

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    received_at: datetime
    received_by: str | None = Field(description="The institution whose door it came through")
    channel: Channel
    category: Category
    respondent_type: RespondentType
    respondent_territory: str = Field(examples=["MA-06"])
    language: Language
    erased: bool = Field(description="True once the personal data below has been erased")
    erased_at: datetime | None
    erasure_reason: ErasureReason | None = Field(
        description="`request`: the complainant asked; `retention`: its time after closure ran out"
    )
    identity: Identity | None = Field(description="None for an anonymous complaint, or erased")
    description: str | None
    respondent_name: str | None
    contact: ContactDetails | None = Field(
        None,
        description="Where you are told of the case: the addresses given with the complaint, "
        "or as changed since; None when none, removed or erased",
    )


def _missing(error: ServiceProblem) -> bool:
    return error.status == 404


class IntakeClient(ServiceClient):
    """Intake's internal API, typed: what the gateway may ask of it."""

    service = "intake"

    async def submit(self, caller: Principal, complaint: IncomingComplaint) -> ComplaintAccepted:
        response = await self.call(
            caller, "POST", "/internal/complaints", json=complaint.model_dump(mode="json")
        )
        return self.read(response, ComplaintAccepted)

    async def check_receipt(
        self, caller: Principal, check: ReceiptCheck
    ) -> SubmissionStatus | None:
        """The submission when the receipt is right; None for any miss."""
        return await self._checked(caller, "/internal/receipts/check", check, SubmissionStatus)

    async def resubmit(
        self, caller: Principal, check: ResubmissionCheck
    ) -> SubmissionStatus | None:
        """Routed again; None for any miss; `ServiceProblem` 409 when nothing waits for it."""
        path = f"/internal/complaints/{check.reference}/resubmission"
        return await self._checked(caller, path, check, SubmissionStatus)

    async def export_personal_data(
        self, caller: Principal, check: ReceiptCheck
    ) -> PersonalData | None:
        return await self._checked(caller, "/internal/personal-data/export", check, PersonalData)

    async def erase_personal_data(
        self, caller: Principal, check: ReceiptCheck
    ) -> PersonalData | None:
        return await self._checked(caller, "/internal/personal-data/erase", check, PersonalData)

    async def change_contact(self, caller: Principal, change: ContactChange) -> bool:
        """The addresses stored and announced; False for any miss; `ServiceProblem` 409 once
        the complaint's personal data is erased."""
        path = f"/internal/complaints/{change.reference}/contact"
        return await self._done(caller, "PUT", path, change)

    async def remove_contact(self, caller: Principal, check: ReceiptCheck) -> bool:
        """Nobody is told of the case by email or SMS any more; False for any miss."""
        path = f"/internal/complaints/{check.reference}/contact/removal"
        return await self._done(caller, "POST", path, check)

    async def complaint_for_staff(
        self, caller: Principal, reference: str
    ) -> ComplaintForStaff | None:
        """The complaint opened for staff competent for it; None for anybody else."""
        try:
            response = await self.call(caller, "GET", f"/internal/complaints/{reference}")
        except ServiceProblem as error:
            if _missing(error):
                return None
            raise
        return self.read(response, ComplaintForStaff)

    async def _done(self, caller: Principal, method: str, path: str, check: ReceiptCheck) -> bool:
        try:
            await self.call(caller, method, path, json=check.model_dump(mode="json"))
        except ServiceProblem as error:
            if _missing(error):
                return False
            raise
        return True

    async def _checked(
        self, caller: Principal, path: str, check: ReceiptCheck, shape: type[_Answer]
    ) -> _Answer | None:
        try:
            response = await self.call(caller, "POST", path, json=check.model_dump(mode="json"))
        except ServiceProblem as error:
            if _missing(error):
                return None
            raise
        return self.read(response, shape)
