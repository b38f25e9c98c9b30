"""HTTP contracts shared by the gateway and the services behind it: shapes, not behaviour."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nowrongdoor.events import Category, Channel, ComplainantRole, Language, RespondentType

TERRITORY_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"
INSTITUTION_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


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
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        examples=["amina@example.org"],
    )
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ().-]{6,20}$", examples=["+212 600 000 000"])

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


class ComplaintAccepted(BaseModel):
    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    receipt: str = Field(
        description="16 digits, shown only once: with the reference it opens the case",
        examples=["4821093377160254"],
    )


class InstitutionSummary(BaseModel):
    institution_id: str = Field(examples=["ma-mediateur"])
    name: str = Field(examples=["Institution du Médiateur du Royaume"])
    office_id: str | None = Field(None, examples=["ma-mediateur-casablanca-settat"])
    office_name: str | None = None
    role: Literal["lead", "associated"]


class TimelineEntry(BaseModel):
    at: datetime
    kind: str = Field(examples=["routed"])
    actor: str = Field(examples=["platform"])
    summary: str = Field(examples=["Routed to Institution du Médiateur du Royaume"])


class CaseView(BaseModel):
    """What the complainant sees with reference and receipt."""

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: str = Field(examples=["routed"])
    institutions: list[InstitutionSummary]
    advice: str | None = Field(None, examples=["private-dispute"], description="Advice code")
    explanation: str | None = Field(
        None,
        description="Why the case is where it is, in plain words in the complainant's language",
        examples=["L'institution compétente pour votre plainte est : Institution du Médiateur."],
    )
    timeline: list[TimelineEntry]


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
    identity: Identity | None
    description: str | None
    respondent_name: str | None


class InstitutionCase(BaseModel):
    """One case as the institution taking part in it lists it."""

    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    status: str = Field(examples=["routed"], description="The status of the whole case")
    part_status: str = Field(examples=["routed"], description="This institution's part of it")
    role: str = Field(examples=["lead"], description="`lead` or `associated`")
    office_id: str | None = Field(None, examples=["ma-mediateur-casablanca-settat"])
    language: str = Field(examples=["fr"])
    opened_at: datetime


class InstitutionCasePage(BaseModel):
    items: list[InstitutionCase]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; absent on the last page"
    )
