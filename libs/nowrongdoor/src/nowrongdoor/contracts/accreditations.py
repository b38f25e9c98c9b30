"""Accreditation's HTTP contracts: criteria, applications, decisions, the trail both sides read.

An institution publishes its criteria and grants, refuses, suspends, reinstates, renews or revokes
an NGO's accreditation; routing keeps them beside the directory, with the files an NGO sends as
evidence for its answers. Shapes, not behaviour.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from nowrongdoor.auth import ClientKind, Principal
from nowrongdoor.contracts.attachments import (
    Attachment,
    AttachmentFile,
    AttachmentUpload,
    attachment_file,
)
from nowrongdoor.contracts.http import ServiceClient, ServiceProblem
from nowrongdoor.contracts.vocabulary import (
    INSTITUTION_ID_PATTERN,
    TERRITORY_PATTERN,
    AccreditationStatus,
    Category,
    Language,
)

CRITERION_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
ACCREDITATION_ID_PATTERN = r"^acc-[0-9a-f]{32}$"

AccreditationAction = Literal["apply", "grant", "refuse", "suspend", "reinstate", "renew", "revoke"]
"""Each step of the lifecycle; the first is the NGO's, every other the institution's."""

Reason = Field(
    min_length=3,
    max_length=2000,
    description="Why, in words both sides read in the accreditation's trail; never on the bus",
)

# --- Criteria -----------------------------------------------------------------------------------


class Criterion(BaseModel):
    """One condition an NGO must meet, worded in the institution's languages."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=CRITERION_ID_PATTERN, examples=["independence"])
    text: dict[Language, str] = Field(
        description="The criterion in each of the institution's languages (others may be added)",
        examples=[
            {
                "fr": "L'association est indépendante de tout parti et de toute entreprise.",
                "en": "The association is independent of any party and any company.",
            }
        ],
    )


_CRITERIA_EXAMPLE: JsonDict = {
    "criteria": [
        {
            "id": "declared-since-5-years",
            "text": {
                "fr": "L'association est régulièrement déclarée depuis au moins cinq ans.",
                "en": "The association has been lawfully registered for at least five years.",
            },
        },
        {
            "id": "anti-corruption-purpose",
            "text": {
                "fr": "Ses statuts ont pour objet la lutte contre la corruption.",
                "en": "Its statutes name the fight against corruption as its purpose.",
            },
        },
    ]
}


class CriteriaChange(BaseModel):
    """The whole list of criteria an institution publishes; it replaces the previous one."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CRITERIA_EXAMPLE]})

    criteria: list[Criterion] = Field(max_length=50)


class AccreditationCriteria(BaseModel):
    """What an institution asks of an NGO it accredits; empty while it publishes none."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "institution_id": "fr-hatvp",
                    **_CRITERIA_EXAMPLE,
                    "updated_at": "2026-12-01T09:30:00Z",
                }
            ]
        }
    )

    institution_id: str = Field(examples=["fr-hatvp"])
    criteria: list[Criterion]
    updated_at: datetime | None = Field(None, description="When they were last published")


# --- Applying and deciding ----------------------------------------------------------------------


class CriterionAnswerBase(BaseModel):
    criterion_id: str = Field(pattern=CRITERION_ID_PATTERN, examples=["anti-corruption-purpose"])
    answer: str = Field(
        min_length=1,
        max_length=4000,
        description="How the NGO meets the criterion",
        examples=["Article 2 of our statutes: the fight against corruption and illicit flows."],
    )


class CriterionAnswer(CriterionAnswerBase):
    """The NGO's answer to one criterion, with the files that show it (statutes, accounts)."""

    model_config = ConfigDict(extra="forbid")

    attachments: list[AttachmentUpload] = Field(
        default_factory=list,
        description="Evidence for this answer, each file base64-encoded, as with a case's "
        "messages: JPEG, PNG, PDF or plain UTF-8 text, 10 MiB each and 5 per answer unless the "
        "operator set other limits; kept sealed, its metadata removed, under a neutral name",
    )


class CriterionAnswerView(CriterionAnswerBase):
    """An answer as both sides read it: its evidence listed, never its content."""

    attachments: list[Attachment] = Field(
        default_factory=list,
        description="The evidence sent with the answer; each file is read at "
        "`GET /v1/accreditations/{accreditation_id}/attachments/{id}`",
    )


class AccreditationApplication(BaseModel):
    """An NGO applies to one institution, answering each of its published criteria.

    Each answer may carry the files that show it (statutes, accounts, a registration
    certificate), kept with the same limits, storage and sealing as a case's attachments.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "institution_id": "fr-hatvp",
                    "ngo_name": "Sherpa",
                    "answers": [
                        {
                            "criterion_id": "declared-since-5-years",
                            "answer": "Declared at the Paris prefecture in 2001.",
                        },
                        {
                            "criterion_id": "anti-corruption-purpose",
                            "answer": "Article 2 of our statutes.",
                            "attachments": [
                                {
                                    "filename": "statuts.txt",
                                    "content": "QXJ0aWNsZSAyIDogbGEgbHV0dGUgY29udHJlIGxhIGNvcnJ1"
                                    "cHRpb24u",
                                }
                            ],
                        },
                    ],
                }
            ]
        },
    )

    institution_id: str = Field(pattern=INSTITUTION_ID_PATTERN, examples=["fr-hatvp"])
    ngo_name: str = Field(
        min_length=2,
        max_length=200,
        description="The organisation's name, as the public list will show it",
        examples=["Sherpa"],
    )
    answers: list[CriterionAnswer] = Field(max_length=50)


class AccreditationScope(BaseModel):
    """What an accreditation covers: which subjects, where."""

    model_config = ConfigDict(extra="forbid")

    categories: list[Category] = Field(
        min_length=1, max_length=10, examples=[["integrity", "corruption"]]
    )
    territories: list[Annotated[str, Field(pattern=TERRITORY_PATTERN)]] = Field(
        min_length=1,
        max_length=50,
        description="ISO 3166 codes from the directory; each covers what lies inside it",
        examples=[["FR"]],
    )


class Grant(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scope": {"categories": ["integrity", "corruption"], "territories": ["FR"]},
                    "expires_on": "2029-12-31",
                }
            ]
        },
    )

    scope: AccreditationScope
    expires_on: date = Field(
        description="The last day it holds (UTC); from the day after it reads `expired`"
    )


class Refusal(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reasons": ["The association has been registered for only two years."]}]
        },
    )

    reasons: list[Annotated[str, Field(min_length=3, max_length=2000)]] = Field(
        min_length=1,
        max_length=20,
        description="Each reason the application is refused, as the NGO will read it",
    )


class Suspension(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The annual report is three months overdue."}]},
    )

    reason: str = Reason


class Reinstatement(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "The annual report has been received."}]},
    )

    reason: str | None = Field(None, min_length=3, max_length=2000)


class Renewal(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"expires_on": "2032-12-31"}]}
    )

    expires_on: date = Field(description="The new last day it holds (UTC)")


class Revocation(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The association no longer meets the independence criterion."}]
        },
    )

    reason: str = Reason


# --- What both sides read -----------------------------------------------------------------------


class AccreditationStep(BaseModel):
    """One step of an accreditation's trail: who, when, what, why."""

    action: AccreditationAction
    status: AccreditationStatus = Field(description="The status the step left it in")
    by_client_id: str = Field(description="The API client that took the step")
    by_kind: ClientKind
    at: datetime
    reason: str | None = None
    reasons: list[str] = Field(default_factory=list, description="A refusal's reasons")
    scope: AccreditationScope | None = Field(None, description="What a grant covers")
    expires_on: date | None = Field(None, description="The expiry a grant or a renewal set")


class AccreditationView(BaseModel):
    """An NGO's accreditation with one institution, as both the NGO and the institution read it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "acc-3f2a9c1d7e4b4a0c9d8e7f6a5b4c3d2e",
                    "ngo_id": "fr-sherpa",
                    "ngo_name": "Sherpa",
                    "institution_id": "fr-hatvp",
                    "status": "granted",
                    "answers": [
                        {
                            "criterion_id": "anti-corruption-purpose",
                            "answer": "Article 2 of our statutes.",
                            "attachments": [
                                {
                                    "id": "a-5f0c2e9b7d1a4c33",
                                    "name": "anti-corruption-purpose-1.pdf",
                                    "media_type": "application/pdf",
                                    "size": 48213,
                                    "metadata_removed": True,
                                }
                            ],
                        }
                    ],
                    "scope": {"categories": ["integrity"], "territories": ["FR"]},
                    "since": "2026-12-03",
                    "expires_on": "2029-12-31",
                    "applied_at": "2026-11-20T10:00:00Z",
                    "allowed": ["suspend", "renew", "revoke"],
                    "history": [
                        {
                            "action": "apply",
                            "status": "applied",
                            "by_client_id": "nwdc_sherpa",
                            "by_kind": "ngo",
                            "at": "2026-11-20T10:00:00Z",
                        },
                        {
                            "action": "grant",
                            "status": "granted",
                            "by_client_id": "nwdc_hatvp",
                            "by_kind": "institution",
                            "at": "2026-12-03T09:00:00Z",
                            "scope": {"categories": ["integrity"], "territories": ["FR"]},
                            "expires_on": "2029-12-31",
                        },
                    ],
                }
            ]
        }
    )

    id: str
    ngo_id: str
    ngo_name: str
    institution_id: str
    status: AccreditationStatus = Field(
        description="`expired` once `expires_on` has passed for one that was granted"
    )
    answers: list[CriterionAnswerView]
    scope: AccreditationScope | None = None
    since: date | None = Field(None, description="The day it was first granted")
    expires_on: date | None = None
    applied_at: datetime
    allowed: list[AccreditationAction] = Field(
        description="The steps the granting institution may take next"
    )
    history: list[AccreditationStep] = Field(description="Every step, the application first")


class AccreditedNgo(BaseModel):
    """An NGO an institution accredits today, as the public may know it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ngo_id": "fr-sherpa",
                    "name": "Sherpa",
                    "scope": {"categories": ["integrity", "corruption"], "territories": ["FR"]},
                    "since": "2026-12-03",
                    "until": "2029-12-31",
                }
            ]
        }
    )

    ngo_id: str
    name: str
    scope: AccreditationScope
    since: date
    until: date = Field(description="The last day it holds unless renewed")


class AccreditationsClient(ServiceClient):
    """Routing's calls for accreditations; `RoutingClient` is one, with the directory's calls."""

    service = "routing"

    async def accreditation_criteria(
        self, caller: Principal, institution_id: str
    ) -> AccreditationCriteria:
        response = await self.call(
            caller, "GET", f"/internal/institutions/{institution_id}/accreditation-criteria"
        )
        return self.read(response, AccreditationCriteria)

    async def publish_accreditation_criteria(
        self, caller: Principal, institution_id: str, change: CriteriaChange
    ) -> AccreditationCriteria:
        response = await self.call(
            caller,
            "PUT",
            f"/internal/institutions/{institution_id}/accreditation-criteria",
            json=change.model_dump(mode="json"),
        )
        return self.read(response, AccreditationCriteria)

    async def accredited_ngos(self, caller: Principal, institution_id: str) -> list[AccreditedNgo]:
        response = await self.call(
            caller, "GET", f"/internal/institutions/{institution_id}/accredited-ngos"
        )
        return self.read_list(response, AccreditedNgo)

    async def apply_for_accreditation(
        self, caller: Principal, application: AccreditationApplication
    ) -> AccreditationView:
        response = await self.call(
            caller, "POST", "/internal/accreditations", json=application.model_dump(mode="json")
        )
        return self.read(response, AccreditationView)

    async def accreditations(self, caller: Principal) -> list[AccreditationView]:
        response = await self.call(caller, "GET", "/internal/accreditations")
        return self.read_list(response, AccreditationView)

    async def accreditation(self, caller: Principal, accreditation_id: str) -> AccreditationView:
        response = await self.call(caller, "GET", f"/internal/accreditations/{accreditation_id}")
        return self.read(response, AccreditationView)

    async def accreditation_attachment(
        self, caller: Principal, accreditation_id: str, attachment_id: str
    ) -> AttachmentFile | None:
        """A file sent with an application, for its NGO and its institution; None for anyone
        else and for no such file."""
        try:
            response = await self.call(
                caller,
                "GET",
                f"/internal/accreditations/{accreditation_id}/attachments/{attachment_id}",
            )
        except ServiceProblem as error:
            if error.status == 404:
                return None
            raise
        return attachment_file(response, attachment_id)

    async def decide_accreditation(
        self,
        caller: Principal,
        accreditation_id: str,
        action: AccreditationAction,
        decision: Grant | Refusal | Suspension | Reinstatement | Renewal | Revocation,
    ) -> AccreditationView:
        """Grant, refuse, suspend, reinstate, renew or revoke, as `action` says."""
        response = await self.call(
            caller,
            "POST",
            f"/internal/accreditations/{accreditation_id}/{action}",
            json=decision.model_dump(mode="json"),
        )
        return self.read(response, AccreditationView)
