"""A stand-in for routing: two institutions, their mandates, a guide, triage, accreditations."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from typing_extensions import override

from nowrongdoor.auth import Principal
from nowrongdoor.contracts.routing import (
    Guide,
    GuideAnswer,
    GuideAnswers,
    GuideOption,
    GuideQuestion,
    InstitutionSummary,
    InstitutionView,
    Mandate,
    MandateChange,
    MandateRule,
    MandateSaved,
    ProposalFacts,
    ServiceStandardsView,
    TriageDecided,
    TriageDecision,
    TriageRuleProposal,
)
from nowrongdoor.contracts.vocabulary import Language, RoutingOutcome
from nowrongdoor.problems import FieldProblem

from .accreditations import AccreditingRouting
from .stand_in import Switchboard

REGISTRY_VERSION = "sha256:00000000000000a1"
NAMES: dict[str, dict[Language, str]] = {
    "ma-mediateur": {
        "en": "Institution of the Mediator of the Kingdom",
        "fr": "Institution du Médiateur du Royaume",
        "ar": "مؤسسة وسيط المملكة",
        "nl": "Instelling van de Bemiddelaar van het Koninkrijk",
        "de": "Institution des Ombudsmanns des Königreichs",
    },
    "ma-cndh": {
        "en": "National Human Rights Council",
        "fr": "Conseil National des Droits de l'Homme",
        "ar": "المجلس الوطني لحقوق الإنسان",
        "nl": "Nationale Raad voor de Mensenrechten",
        "de": "Nationaler Menschenrechtsrat",
    },
}
RULE: dict[str, Any] = {
    "id": "maladministration-public-bodies",
    "priority": 10,
    "categories": ["maladministration"],
    "respondent_types": ["local-authority"],
    "territories": ["MA"],
    "complainant_roles": ["citizen"],
    "prerequisites": ["administration-contacted"],
    "exclusions": [],
}
"""Each institution's one mandate rule, as a caller writes it."""
QUESTIONS: dict[Language, str] = {
    "en": "Who is your complaint about?",
    "fr": "Contre qui porte votre plainte ?",
    "ar": "ضد من توجّه شكايتك؟",
    "nl": "Over wie gaat uw klacht?",
    "de": "Gegen wen richtet sich Ihre Beschwerde?",
}
NO_INSTITUTION = "No institution with this id."


class FakeRouting(AccreditingRouting):
    def __init__(self, switchboard: Switchboard) -> None:
        super().__init__(switchboard)
        self.version = REGISTRY_VERSION
        self.mandates = {institution: [MandateRule.model_validate(RULE)] for institution in NAMES}
        self.revisions = dict.fromkeys(NAMES, 1)
        self.triage_desks: dict[str, str] = {}
        """Which institution triages each complaint waiting for a person to decide."""
        self.proposals: list[TriageRuleProposal] = []

    def etag(self, institution_id: str) -> str:
        return f'"v{self.revisions[institution_id]}"'

    def _view(self, institution_id: str, language: Language) -> InstitutionView:
        if institution_id not in NAMES:
            raise self.refusal(404, NO_INSTITUTION)
        return InstitutionView(
            institution_id=institution_id,
            name=NAMES[institution_id][language],
            territory="MA",
            languages=["ar", "fr"],
            offices=[],
            service_standards=ServiceStandardsView(
                acknowledge_days=10, admissibility_days=30, resolve_days=90
            ),
            categories=["maladministration"],
            registry_version=self.version,
        )

    def _mandate(self, institution_id: str) -> Mandate:
        if institution_id not in NAMES:
            raise self.refusal(404, NO_INSTITUTION)
        return Mandate(
            institution_id=institution_id,
            registry_version=self.version,
            rules=self.mandates[institution_id],
        )

    @override
    async def institutions(
        self, caller: Principal, language: Language, query: str | None = None
    ) -> list[InstitutionView]:
        await self.reached("institutions", caller, language if query is None else (language, query))
        found = [
            institution_id
            for institution_id, names in NAMES.items()
            if query is None
            or any(
                query.casefold() in text.casefold() for text in (institution_id, *names.values())
            )
        ]
        return [self._view(institution_id, language) for institution_id in found]

    @override
    async def institution(
        self, caller: Principal, institution_id: str, language: Language
    ) -> InstitutionView:
        await self.reached("institution", caller, institution_id)
        return self._view(institution_id, language)

    @override
    async def mandate(self, caller: Principal, institution_id: str) -> tuple[Mandate, str]:
        await self.reached("mandate", caller, institution_id)
        return self._mandate(institution_id), self.etag(institution_id)

    @override
    async def change_mandate(
        self,
        caller: Principal,
        institution_id: str,
        change: MandateChange,
        *,
        if_match: str | None,
    ) -> tuple[MandateSaved, str]:
        await self.reached("change_mandate", caller, change)
        own = caller.kind == "institution" and caller.institution_id == institution_id
        if institution_id not in NAMES or (caller.kind != "admin" and not own):
            raise self.refusal(404, NO_INSTITUTION)
        if own and "mandate:write" not in caller.scopes:
            raise self.refusal(
                403,
                "This client lacks the `mandate:write` scope.",
                slug="insufficient-scope",
                title="Insufficient scope",
            )
        if if_match is not None and if_match != self.etag(institution_id):
            raise self.refusal(
                412,
                "The mandate changed since it was read; read it again and reapply the change.",
                slug="precondition-failed",
                title="Precondition failed",
            )
        unknown = [
            FieldProblem(
                field=f"rules[{position}]",
                message=f"rule {rule.id!r}: unknown territory {territory!r}",
            )
            for position, rule in enumerate(change.rules)
            for territory in rule.territories
            if not territory.startswith("MA")
        ]
        if unknown:
            raise self.refusal(
                422,
                f"The mandate cannot be used: {len(unknown)} problems; nothing was changed.",
                slug="invalid-mandate",
                title="Invalid mandate",
                errors=unknown,
            )
        changed = change.rules != self.mandates[institution_id]
        if changed:
            self.mandates[institution_id] = change.rules
            self.revisions[institution_id] += 1
            self.version = f"sha256:{secrets.token_hex(8)}"
        saved = MandateSaved(
            institution_id=institution_id,
            registry_version=self.version,
            rules=self.mandates[institution_id],
            changed=changed,
        )
        return saved, self.etag(institution_id)

    @override
    async def guide(self, caller: Principal, language: Language) -> Guide:
        await self.reached("guide", caller, language)
        question = GuideQuestion(
            id="respondent_type",
            answers="respondent_type",
            text=QUESTIONS[language],
            options=[GuideOption(value="local-authority", label="A municipality")],
        )
        return Guide(language=language, registry_version=self.version, questions=[question])

    @override
    async def answer_guide(
        self, caller: Principal, answers: GuideAnswers, language: Language
    ) -> GuideAnswer:
        await self.reached("answer_guide", caller, answers)
        name = NAMES["ma-mediateur"][language]
        return GuideAnswer(
            outcome=RoutingOutcome.COMPETENT,
            reason="single-institution",
            registry_version=self.version,
            institutions=[
                InstitutionSummary(institution_id="ma-mediateur", name=name, role="lead")
            ],
            candidates=[],
            explanation=f"{name} is competent for your complaint and will handle it.",
        )

    @override
    async def decide_triage(
        self, caller: Principal, reference: str, decision: TriageDecision
    ) -> TriageDecided:
        await self.reached("decide_triage", caller, decision)
        desk = self.triage_desks.get(reference)
        if caller.kind != "institution" or desk is None or desk != caller.institution_id:
            raise self.refusal(404, "No complaint awaits your triage under this reference.")
        if "cases:write" not in caller.scopes:
            raise self.refusal(
                403,
                "This client lacks the `cases:write` scope.",
                slug="insufficient-scope",
                title="Insufficient scope",
            )
        if any(proposal.reference == reference for proposal in self.proposals):
            raise self.refusal(409, "This complaint has already been decided.", slug="conflict")
        chosen = [decision.lead_institution_id, *decision.associated_institution_ids]
        unknown = [institution for institution in chosen if institution not in NAMES]
        if unknown:
            raise self.refusal(
                422,
                "1 field is invalid; nothing was decided.",
                slug="validation-error",
                title="Invalid request",
                errors=[FieldProblem(field="lead_institution_id", message="unknown institution")],
            )
        proposal = TriageRuleProposal(
            id=f"p-{len(self.proposals) + 1}",
            reference=reference,
            created_at=datetime.now(UTC),
            engine_reason="equally-ranked-leads",
            candidates=sorted(NAMES),
            facts=ProposalFacts(
                category="maladministration",
                respondent_type="local-authority",
                territory="MA-06",
                complainant_role="citizen",
                administration_contacted=True,
                court_case_pending=False,
                anonymous=True,
            ),
            lead_institution_id=decision.lead_institution_id,
            associated_institution_ids=decision.associated_institution_ids,
            status="proposed",
        )
        self.proposals.append(proposal)
        return TriageDecided(
            reference=reference,
            decision_id=f"d-{len(self.proposals)}",
            registry_version=self.version,
            institutions=[
                InstitutionSummary(
                    institution_id=institution,
                    name=NAMES[institution]["en"],
                    role="lead" if position == 0 else "associated",
                )
                for position, institution in enumerate(chosen)
            ],
            proposal_id=proposal.id,
        )

    @override
    async def triage_proposals(self, caller: Principal) -> list[TriageRuleProposal]:
        await self.reached("triage_proposals", caller)
        if caller.kind == "admin":
            return list(self.proposals)
        return [p for p in self.proposals if p.lead_institution_id == caller.institution_id]
