"""Routing's HTTP contracts: the directory, mandates, the citizens' guide and triage decisions.

The directory of institutions, their mandates, the citizens' guide and triage decisions: shapes,
not behaviour. Routing decides; the gateway validates, documents and forwards. Accreditations,
which routing keeps too, have their shapes and calls in `nowrongdoor.contracts.accreditations`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.accreditations import AccreditationsClient
from nowrongdoor.contracts.events import RelayingNgo
from nowrongdoor.contracts.vocabulary import (
    INSTITUTION_ID_PATTERN,
    TERRITORY_PATTERN,
    Category,
    ComplainantRole,
    Language,
    PartRole,
    RespondentType,
    RoutingOutcome,
)

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

# --- Alerts an NGO relays -----------------------------------------------------------------------


class Reliance(BaseModel):
    """What an NGO's alert is about, asked against the accreditation it relies on."""

    model_config = ConfigDict(extra="forbid")

    category: Category
    territory: str = Field(pattern=TERRITORY_PATTERN, examples=["FR-IDF"])


# --- The directory ------------------------------------------------------------------------------


class InstitutionSummary(BaseModel):
    """An institution taking part in a case, with the office that handles it."""

    institution_id: str = Field(examples=["ma-mediateur"])
    name: str = Field(examples=["Institution du Médiateur du Royaume"])
    office_id: str | None = Field(None, examples=["ma-mediateur-casablanca-settat"])
    office_name: str | None = None
    role: PartRole


class OfficeView(BaseModel):
    office_id: str = Field(examples=["ma-mediateur-casablanca-settat"])
    name: str = Field(examples=["Casablanca-Settat regional delegation"])
    territories: list[str] = Field(examples=[["MA-06"]])


class ServiceStandardsView(BaseModel):
    """The delays an institution promises, in days."""

    acknowledge_days: int = Field(examples=[10])
    admissibility_days: int = Field(examples=[30])
    resolve_days: int = Field(examples=[90])


class PresentationsView(BaseModel):
    """An institution presented in sign language and in easy words, where it has published them.

    Each is a path on this site, never another site's address, so the pages load nothing from
    elsewhere; absent until the institution publishes it."""

    sign_language_video: str | None = Field(
        None,
        description="A path on this site to a video presenting the institution in sign language",
        examples=["/media/be-federal/sign-language.mp4"],
    )
    easy_read: str | None = Field(
        None,
        description="A path on this site to a presentation of the institution in easy words",
        examples=["/media/ma-mediateur/easy-read.html"],
    )


class InstitutionView(BaseModel):
    """A participating institution, named in the language asked for."""

    institution_id: str = Field(examples=["ma-mediateur"])
    name: str = Field(examples=["Institution of the Mediator of the Kingdom"])
    territory: str = Field(examples=["MA"])
    languages: list[str] = Field(examples=[["ar", "fr"]])
    offices: list[OfficeView]
    service_standards: ServiceStandardsView | None = None
    categories: list[str] = Field(
        default_factory=list,
        description="The subjects its mandate covers",
        examples=[["maladministration"]],
    )
    registry_version: str | None = Field(None, examples=["sha256:5f1c0a9e2b7d4c31"])
    former_names: list[str] = Field(
        default_factory=list,
        description="Names it was known by before, as they were written then",
        examples=[["Instance Centrale de Prévention de la Corruption (ICPC)"]],
    )
    time_zone: str | None = Field(
        None,
        description="The IANA time zone of the country whose days the institution counts its "
        "promises in; times of its cases are told in it. None when the directory declares none",
        examples=["Africa/Casablanca"],
    )
    presentations: PresentationsView = Field(
        default_factory=PresentationsView,
        description="Its presentations in sign language and in easy words, where published",
    )


# --- Mandates -----------------------------------------------------------------------------------


class MandateRule(BaseModel):
    """One line of a mandate: the facts it covers, and what must or must not hold."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=100, pattern=RULE_ID_PATTERN)
    priority: int = Field(
        10,
        ge=0,
        le=1000,
        description="20 a specialised mandate, 10 a general ombudsman's, 5 a supporting role",
    )
    categories: list[Category]
    respondent_types: list[RespondentType]
    territories: list[str] = Field(description="ISO 3166 codes; each covers what lies inside it")
    complainant_roles: list[ComplainantRole]
    prerequisites: list[str] = Field(
        default_factory=list, description="Names from the directory, e.g. administration-contacted"
    )
    exclusions: list[str] = Field(
        default_factory=list,
        description="Names from the directory: court-case-pending, court-decision, private-dispute",
    )


_RULE_EXAMPLE: JsonDict = {
    "id": "maladministration-public-bodies",
    "priority": 10,
    "categories": ["maladministration"],
    "respondent_types": ["national-administration", "local-authority", "public-enterprise"],
    "territories": ["MA"],
    "complainant_roles": ["citizen", "public-official", "ngo"],
    "prerequisites": ["administration-contacted"],
    "exclusions": ["court-case-pending", "court-decision", "private-dispute"],
}


class Mandate(BaseModel):
    """An institution's whole mandate in one registry version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "institution_id": "ma-mediateur",
                    "registry_version": "sha256:5f1c0a9e2b7d4c31",
                    "rules": [_RULE_EXAMPLE],
                }
            ]
        }
    )

    institution_id: str
    registry_version: str
    rules: list[MandateRule]


class MandateChange(BaseModel):
    """The new full rule list of one institution; it replaces the old one as a new version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rules": [_RULE_EXAMPLE],
                    "summary": "Public enterprises are now inside our mandate",
                    "adopted_proposals": [],
                }
            ]
        },
    )

    rules: list[MandateRule]
    summary: str = Field(
        min_length=1, max_length=500, description="Why the mandate changes, kept in its history"
    )
    adopted_proposals: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Triage rule proposals this change adopts; they are marked adopted",
    )


class MandateSaved(Mandate):
    changed: bool = Field(description="False when the rules were already exactly these")


class RegistryVersionView(BaseModel):
    """One version of the directory: who changed it, when and why."""

    number: int = Field(examples=[2])
    version: str = Field(examples=["sha256:5f1c0a9e2b7d4c31"])
    created_at: datetime
    actor: str = Field(description="The API client that made the change", examples=["seed"])
    summary: str = Field(examples=["Public enterprises are now inside our mandate"])
    current: bool


# --- The guide ----------------------------------------------------------------------------------


class GuideOption(BaseModel):
    value: str | bool = Field(examples=["maladministration"])
    label: str = Field(examples=["A public service treated you badly or did not answer"])
    country: str | None = Field(None, description="For a region: the country it belongs to")


class GuideQuestion(BaseModel):
    """One plain question, answered by choosing one option."""

    id: str = Field(examples=["category"])
    answers: str = Field(description="The field of the answers this question fills")
    text: str = Field(examples=["What is your complaint about?"])
    help: str | None = None
    options: list[GuideOption]
    depends_on: str | None = Field(
        None, description="Show only the options whose `country` is this question's answer"
    )


class Guide(BaseModel):
    language: Language
    registry_version: str
    questions: list[GuideQuestion]


class GuideAnswers(BaseModel):
    """The facts a complainant gives the guide; the same facts a submission carries."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "category": "maladministration",
                    "respondent_type": "local-authority",
                    "territory": "MA-06",
                    "complainant_role": "citizen",
                    "administration_contacted": True,
                    "court_case_pending": False,
                }
            ]
        },
    )

    category: Category
    respondent_type: RespondentType
    territory: str = Field(
        pattern=TERRITORY_PATTERN,
        description="The region's code, or the country's when the region is not known",
        examples=["MA-06"],
    )
    complainant_role: ComplainantRole
    administration_contacted: bool
    court_case_pending: bool
    anonymous: bool = False
    received_by: str | None = Field(
        None,
        pattern=INSTITUTION_ID_PATTERN,
        description="The institution whose counter uses the guide, if any",
    )


class GuideInstitution(BaseModel):
    institution_id: str = Field(examples=["ma-mediateur"])
    name: str = Field(examples=["Institution of the Mediator of the Kingdom"])


class GuideAdvice(BaseModel):
    code: str = Field(examples=["contact-administration-first"])
    external_body: str = Field(examples=["the administration concerned"])
    text: str


class GuideAnswer(BaseModel):
    """Which institution is competent and why, decided exactly as a submission would be."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "competent",
                    "reason": "single-institution",
                    "registry_version": "sha256:5f1c0a9e2b7d4c31",
                    "institutions": [
                        {
                            "institution_id": "ma-mediateur",
                            "name": "Institution of the Mediator of the Kingdom",
                            "office_id": "ma-mediateur-casablanca-settat",
                            "office_name": "Casablanca-Settat regional delegation",
                            "role": "lead",
                        }
                    ],
                    "candidates": [],
                    "triage_institution": None,
                    "explanation": "Institution of the Mediator of the Kingdom is competent for "
                    "your complaint and will handle it. It will be dealt with by: "
                    "Casablanca-Settat regional delegation.",
                    "advice": None,
                }
            ]
        }
    )

    outcome: RoutingOutcome
    reason: str
    registry_version: str
    institutions: list[InstitutionSummary] = Field(description="The lead first, then associated")
    candidates: list[GuideInstitution] = Field(
        description="Who could take it once a prerequisite is met, or who is tied in triage"
    )
    triage_institution: GuideInstitution | None = Field(
        None, description="Who decides when the facts alone cannot"
    )
    explanation: str
    advice: GuideAdvice | None = None


# --- Triage -------------------------------------------------------------------------------------


class TriageDecision(BaseModel):
    """The triage institution's choice for a complaint the engine could not decide."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "lead_institution_id": "be-wallonie",
                    "associated_institution_ids": [],
                    "reason": "The school concerned belongs to the French-speaking Community.",
                }
            ]
        },
    )

    lead_institution_id: str = Field(pattern=INSTITUTION_ID_PATTERN)
    associated_institution_ids: list[str] = Field(default_factory=list, max_length=20)
    reason: str = Field(
        min_length=3,
        max_length=2000,
        description="Why; kept with the decision, never put on the bus",
    )


class TriageDecided(BaseModel):
    reference: str = Field(examples=["NWD-7K3M9QX2VD4H"])
    decision_id: str
    registry_version: str
    institutions: list[InstitutionSummary]
    proposal_id: str = Field(description="The rule proposal this decision recorded")


class ProposalFacts(BaseModel):
    category: str
    respondent_type: str
    territory: str
    complainant_role: str
    administration_contacted: bool
    court_case_pending: bool
    anonymous: bool


class TriageRuleProposal(BaseModel):
    """A triage decision offered as an explicit rule; nothing changes until a mandate adopts it."""

    id: str
    reference: str
    created_at: datetime
    engine_reason: str = Field(examples=["equally-ranked-leads"])
    candidates: list[str]
    facts: ProposalFacts
    lead_institution_id: str
    associated_institution_ids: list[str]
    suggested_rule: MandateRule | None = Field(
        None, description="A rule that would route these facts so; none when no rule can"
    )
    status: Literal["proposed", "adopted"]
    adopted_in_version: str | None = None


# --- The client ---------------------------------------------------------------------------------


class RoutingClient(AccreditationsClient):
    """Routing's internal API, typed; its refusals reach the caller as `ServiceProblem`."""

    service = "routing"

    async def institutions(
        self, caller: Principal, language: Language, query: str | None = None
    ) -> list[InstitutionView]:
        """Every institution, or those whose names, former names, offices or id match `query`."""
        params = {"lang": language} if query is None else {"lang": language, "q": query}
        response = await self.call(caller, "GET", "/internal/institutions", params=params)
        return self.read_list(response, InstitutionView)

    async def institution(
        self, caller: Principal, institution_id: str, language: Language
    ) -> InstitutionView:
        response = await self.call(
            caller, "GET", f"/internal/institutions/{institution_id}", params={"lang": language}
        )
        return self.read(response, InstitutionView)

    async def mandate(self, caller: Principal, institution_id: str) -> tuple[Mandate, str]:
        """The mandate and its entity tag."""
        response = await self.call(
            caller, "GET", f"/internal/institutions/{institution_id}/mandate"
        )
        return self.read(response, Mandate), response.headers.get("etag", "")

    async def change_mandate(
        self,
        caller: Principal,
        institution_id: str,
        change: MandateChange,
        *,
        if_match: str | None,
    ) -> tuple[MandateSaved, str]:
        """The saved mandate and its new entity tag."""
        response = await self.call(
            caller,
            "PUT",
            f"/internal/institutions/{institution_id}/mandate",
            json=change.model_dump(mode="json"),
            headers={"If-Match": if_match} if if_match else None,
        )
        return self.read(response, MandateSaved), response.headers.get("etag", "")

    async def guide(self, caller: Principal, language: Language) -> Guide:
        response = await self.call(caller, "GET", "/internal/guide", params={"lang": language})
        return self.read(response, Guide)

    async def answer_guide(
        self, caller: Principal, answers: GuideAnswers, language: Language
    ) -> GuideAnswer:
        response = await self.call(
            caller,
            "POST",
            "/internal/guide/answers",
            params={"lang": language},
            json=answers.model_dump(mode="json"),
        )
        return self.read(response, GuideAnswer)

    async def decide_triage(
        self, caller: Principal, reference: str, decision: TriageDecision
    ) -> TriageDecided:
        response = await self.call(
            caller,
            "POST",
            f"/internal/triage/{reference}/decision",
            json=decision.model_dump(mode="json"),
        )
        return self.read(response, TriageDecided)

    async def triage_proposals(self, caller: Principal) -> list[TriageRuleProposal]:
        response = await self.call(caller, "GET", "/internal/triage/proposals")
        return self.read_list(response, TriageRuleProposal)

    async def rely_on(
        self, caller: Principal, accreditation_id: str, reliance: Reliance
    ) -> RelayingNgo:
        """The NGO as an alert under this accreditation names it; a problem when the
        accreditation is not the caller's, not in force, or does not cover the alert."""
        response = await self.call(
            caller,
            "POST",
            f"/internal/accreditations/{accreditation_id}/reliance",
            json=reliance.model_dump(mode="json"),
        )
        return self.read(response, RelayingNgo)
