"""Competence routing over the seed directory, one row per situation a complainant can be in."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from nowrongdoor.contracts.events import ComplaintFacts, ComplaintRouted
from routing.domain import (
    Decision,
    Registry,
    RegistryError,
    decide,
    load_seed_registry,
    validate_mandate,
)

SEED = load_seed_registry()


def facts(**overrides: Any) -> ComplaintFacts:
    """A citizen's maladministration complaint about Morocco, changed where a scenario says."""
    values: dict[str, Any] = {
        "category": "maladministration",
        "respondent_type": "national-administration",
        "respondent_territory": "MA",
        "complainant_role": "citizen",
        "anonymous": False,
        "administration_contacted": True,
        "court_case_pending": False,
        "language": "fr",
        "received_by": None,
        "channel": "web",
    }
    return ComplaintFacts(**(values | overrides))


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: dict[str, Any]
    outcome: str
    lead: str | None = None
    associated: tuple[str, ...] = ()
    office: str | None = None
    advice: str | None = None
    triage: str | None = None
    candidates: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    excluding: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


SCENARIOS = [
    # --- Morocco: the Médiateur, its prerequisite, its exclusions and its regional delegations
    Scenario(
        "ma-mediateur: national administration, contacted first",
        {},
        "competent",
        lead="ma-mediateur",
        matched=("ma-mediateur/maladministration-public-bodies",),
    ),
    Scenario(
        "ma-mediateur: local authority in MA-06 goes to the Casablanca-Settat delegation",
        {"respondent_type": "local-authority", "respondent_territory": "MA-06"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    Scenario(
        "ma-mediateur: regional administration in MA-01 goes to the Tanger delegation",
        {"respondent_type": "regional-administration", "respondent_territory": "MA-01"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-tanger-tetouan-al-hoceima",
    ),
    Scenario(
        "ma-mediateur: a prefecture inside MA-06 is served by the Casablanca-Settat delegation",
        {"respondent_type": "local-authority", "respondent_territory": "MA-CAS"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    Scenario(
        "ma-mediateur: territory codes are read case-insensitively",
        {"respondent_type": "local-authority", "respondent_territory": " ma-06 "},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    Scenario(
        "ma-mediateur: public enterprise in a region without a delegation is served centrally",
        {"respondent_type": "public-enterprise", "respondent_territory": "MA-04"},
        "competent",
        lead="ma-mediateur",
    ),
    Scenario(
        "ma-mediateur: a public official complaining about their own administration",
        {"complainant_role": "public-official", "respondent_territory": "MA-RAB"},
        "competent",
        lead="ma-mediateur",
    ),
    Scenario(
        "ma-mediateur: administration not contacted first",
        {"administration_contacted": False, "respondent_territory": "MA-06"},
        "prerequisite-missing",
        advice="contact-administration-first",
        candidates=("ma-mediateur",),
        matched=("ma-mediateur/maladministration-public-bodies",),
        missing=("ma-mediateur/administration-contacted",),
    ),
    Scenario(
        "ma-mediateur: court case pending",
        {"court_case_pending": True},
        "not-competent",
        advice="court-case-pending",
        excluding=("ma-mediateur/court-case-pending",),
    ),
    Scenario(
        "ma-mediateur: a pending court case excludes before the missing prerequisite counts",
        {"court_case_pending": True, "administration_contacted": False},
        "not-competent",
        advice="court-case-pending",
        excluding=("ma-mediateur/court-case-pending",),
    ),
    Scenario(
        "ma-mediateur: a private dispute",
        {"respondent_type": "private-company", "respondent_territory": "MA-06"},
        "not-competent",
        advice="private-dispute",
        excluding=("ma-mediateur/private-dispute",),
    ),
    Scenario(
        "ma-mediateur: a court decision",
        {"respondent_type": "court"},
        "not-competent",
        advice="court-decision",
        excluding=("ma-mediateur/court-decision",),
    ),
    # --- Morocco: the anti-corruption body, the human-rights council, the data commission
    Scenario(
        "ma-inpplc: corruption by a local authority in MA-06 is the anti-corruption body's alone",
        {
            "category": "corruption",
            "respondent_type": "local-authority",
            "respondent_territory": "MA-06",
        },
        "competent",
        lead="ma-inpplc",
        matched=("ma-inpplc/corruption-and-integrity",),
    ),
    Scenario(
        "ma-inpplc: no prerequisite, so not contacting the administration does not matter",
        {"category": "corruption", "administration_contacted": False},
        "competent",
        lead="ma-inpplc",
    ),
    Scenario(
        "ma-inpplc: a public official reports an integrity breach anonymously",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "complainant_role": "public-official",
            "anonymous": True,
        },
        "competent",
        lead="ma-inpplc",
    ),
    Scenario(
        "ma-inpplc: corruption in a private company",
        {
            "category": "corruption",
            "respondent_type": "private-company",
            "respondent_territory": "MA-01",
        },
        "competent",
        lead="ma-inpplc",
    ),
    Scenario(
        "ma-inpplc: an NGO reports corruption that is already before a court",
        {"category": "corruption", "complainant_role": "ngo", "court_case_pending": True},
        "not-competent",
        advice="court-case-pending",
        excluding=("ma-inpplc/court-case-pending",),
    ),
    Scenario(
        "ma-cndh: human-rights violation in MA-06 goes to the regional commission",
        {
            "category": "human-rights",
            "respondent_type": "public-official",
            "respondent_territory": "MA-06",
        },
        "competent",
        lead="ma-cndh",
        office="ma-cndh-casablanca-settat",
        matched=("ma-cndh/human-rights-violations",),
    ),
    Scenario(
        "ma-cndh: discrimination by a company in Tanger-Assilah goes to the MA-01 commission",
        {
            "category": "discrimination",
            "respondent_type": "private-company",
            "respondent_territory": "MA-TNG",
        },
        "competent",
        lead="ma-cndh",
        office="ma-cndh-tanger-tetouan-al-hoceima",
    ),
    Scenario(
        "ma-cndh: children's rights where there is no regional commission",
        {
            "category": "children-rights",
            "respondent_type": "local-authority",
            "respondent_territory": "MA-07",
        },
        "competent",
        lead="ma-cndh",
    ),
    Scenario(
        "ma-cndh: a court decision is not a human-rights complaint it can take",
        {"category": "human-rights", "respondent_type": "court"},
        "not-competent",
        advice="court-decision",
        excluding=("ma-cndh/court-decision",),
    ),
    Scenario(
        "ma-cndp: personal data misused by a company",
        {
            "category": "data-protection",
            "respondent_type": "private-company",
            "respondent_territory": "MA-06",
        },
        "competent",
        lead="ma-cndp",
        matched=("ma-cndp/personal-data-protection",),
    ),
    # --- Morocco: what nobody can decide without a person
    Scenario(
        "ma: an uncategorised complaint goes to the country's triage desk",
        {"category": "other", "respondent_territory": "MA-06"},
        "triage",
        triage="ma-mediateur",
        extra={"reason": "uncategorised"},
    ),
    Scenario(
        "ma: an uncategorised complaint is triaged by the institution it came through",
        {"category": "other", "received_by": "ma-cndh"},
        "triage",
        triage="ma-cndh",
    ),
    Scenario(
        "ma: an unknown region of a known country is triaged, not guessed",
        {"respondent_territory": "MA-13"},
        "triage",
        triage="ma-mediateur",
        extra={"reason": "unknown-territory"},
    ),
    Scenario(
        "ma: an unknown region, received by ma-inpplc, is triaged there",
        {"respondent_territory": "MA-13", "received_by": "ma-inpplc"},
        "triage",
        triage="ma-inpplc",
    ),
    Scenario(
        "ma: a receiving body outside the network does not triage",
        {"respondent_territory": "MA-13", "received_by": "somewhere-else"},
        "triage",
        triage="ma-mediateur",
    ),
    # --- Belgium: federal, regional and community ombudsmen, Unia
    Scenario(
        "be-federal: a federal administration in Brussels",
        {"respondent_territory": "BE-BRU"},
        "competent",
        lead="be-federal",
        matched=("be-federal/maladministration-federal-administrations",),
    ),
    Scenario(
        "be-federal: the administration must be contacted first",
        {"respondent_territory": "BE", "administration_contacted": False, "language": "en"},
        "prerequisite-missing",
        advice="contact-administration-first",
        candidates=("be-federal",),
        missing=("be-federal/administration-contacted",),
    ),
    Scenario(
        "be-federal: a federal official reports an integrity breach, no prerequisite",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "respondent_territory": "BE",
            "complainant_role": "public-official",
            "administration_contacted": False,
        },
        "competent",
        lead="be-federal",
        matched=("be-federal/integrity-reports-federal-officials",),
    ),
    Scenario(
        "be-federal: a private dispute in Wallonia is excluded by both ombudsmen there",
        {"respondent_type": "private-company", "respondent_territory": "BE-WLG"},
        "not-competent",
        advice="private-dispute",
        excluding=("be-wallonie/private-dispute", "be-federal/private-dispute"),
    ),
    Scenario(
        "be-wallonie: a Walloon regional administration",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-WAL"},
        "competent",
        lead="be-wallonie",
        matched=("be-wallonie/maladministration-walloon-and-french-community",),
    ),
    Scenario(
        "be-wallonie: a public body in the province of Hainaut",
        {"respondent_type": "public-enterprise", "respondent_territory": "BE-WHT"},
        "competent",
        lead="be-wallonie",
    ),
    Scenario(
        "be-vlaanderen: a Flemish administration in Antwerp",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-VAN"},
        "competent",
        lead="be-vlaanderen",
        matched=("be-vlaanderen/maladministration-flemish-administrations",),
    ),
    Scenario(
        "be-vlaanderen: a court case pending",
        {
            "respondent_type": "regional-administration",
            "respondent_territory": "BE-VLG",
            "court_case_pending": True,
        },
        "not-competent",
        advice="court-case-pending",
        excluding=("be-vlaanderen/court-case-pending",),
    ),
    Scenario(
        "be: a community administration in Brussels could be either community's: triage",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-BRU"},
        "triage",
        triage="be-federal",
        candidates=("be-vlaanderen", "be-wallonie"),
        matched=(
            "be-vlaanderen/maladministration-flemish-administrations",
            "be-wallonie/maladministration-walloon-and-french-community",
        ),
        extra={"reason": "equally-ranked-leads"},
    ),
    Scenario(
        "be: the same tie, received by the Flemish ombudsman, is triaged there",
        {
            "respondent_type": "regional-administration",
            "respondent_territory": "BE-BRU",
            "received_by": "be-vlaanderen",
        },
        "triage",
        triage="be-vlaanderen",
        candidates=("be-vlaanderen", "be-wallonie"),
    ),
    Scenario(
        "be: the same tie without contacting the administration names both ombudsmen",
        {
            "respondent_type": "public-enterprise",
            "respondent_territory": "BE-BRU",
            "administration_contacted": False,
        },
        "prerequisite-missing",
        advice="contact-administration-first",
        candidates=("be-vlaanderen", "be-wallonie"),
        missing=("be-vlaanderen/administration-contacted", "be-wallonie/administration-contacted"),
    ),
    Scenario(
        "be-unia: discrimination by a company in Flanders",
        {
            "category": "discrimination",
            "respondent_type": "private-company",
            "respondent_territory": "BE-VLG",
        },
        "competent",
        lead="be-unia",
        matched=("be-unia/discrimination",),
    ),
    Scenario(
        "be-unia: a pending court case does not stop Unia",
        {"category": "discrimination", "respondent_territory": "BE", "court_case_pending": True},
        "competent",
        lead="be-unia",
    ),
    Scenario(
        "be-unia: a court decision is still excluded",
        {"category": "discrimination", "respondent_type": "court", "respondent_territory": "BE"},
        "not-competent",
        advice="court-decision",
        excluding=("be-unia/court-decision",),
    ),
    Scenario(
        "be: a citizen reporting corruption is sent to the prosecutor",
        {
            "category": "corruption",
            "respondent_type": "public-official",
            "respondent_territory": "BE",
        },
        "not-competent",
        advice="be-prosecutor",
        extra={"reason": "no-matching-rule"},
    ),
    Scenario(
        "be: personal data goes to the data protection authority",
        {"category": "data-protection", "respondent_territory": "BE-WAL"},
        "not-competent",
        advice="be-apd",
    ),
    Scenario(
        "be: children's rights go to the children's rights commissioners",
        {"category": "children-rights", "respondent_territory": "BE-WNA"},
        "not-competent",
        advice="be-children-rights",
    ),
    Scenario(
        "be: a municipality goes to its own complaints service",
        {"respondent_type": "local-authority", "respondent_territory": "BE-VOV"},
        "not-competent",
        advice="be-local-ombudsman",
    ),
    Scenario(
        "be: a federal public company goes to its sector ombudsman",
        {"respondent_type": "public-enterprise", "respondent_territory": "BE"},
        "not-competent",
        advice="be-sector-ombudsman",
    ),
    Scenario(
        "be: human rights have no participating body here",
        {"category": "human-rights", "respondent_territory": "BE"},
        "not-competent",
        advice="outside-network",
    ),
    # --- France: the Défenseur des droits and the HATVP, alone and together
    Scenario(
        "fr-ddd: a local public service in Île-de-France",
        {"respondent_type": "local-authority", "respondent_territory": "FR-IDF"},
        "competent",
        lead="fr-ddd",
        matched=("fr-ddd/public-services",),
    ),
    Scenario(
        "fr-ddd: public services need the administration contacted first",
        {"respondent_territory": "FR", "administration_contacted": False},
        "prerequisite-missing",
        advice="contact-administration-first",
        candidates=("fr-ddd",),
        missing=("fr-ddd/administration-contacted",),
    ),
    Scenario(
        "fr-ddd: discrimination by a company",
        {
            "category": "discrimination",
            "respondent_type": "private-company",
            "respondent_territory": "FR-ARA",
        },
        "competent",
        lead="fr-ddd",
        matched=("fr-ddd/discrimination",),
    ),
    Scenario(
        "fr-ddd: children's rights overseas",
        {
            "category": "children-rights",
            "respondent_type": "local-authority",
            "respondent_territory": "FR-971",
        },
        "competent",
        lead="fr-ddd",
        matched=("fr-ddd/children-rights",),
    ),
    Scenario(
        "fr-ddd: conduct of a police officer",
        {
            "category": "human-rights",
            "respondent_type": "public-official",
            "respondent_territory": "FR-PAC",
        },
        "competent",
        lead="fr-ddd",
        matched=("fr-ddd/security-forces-ethics",),
    ),
    Scenario(
        "fr-ddd: a public official blowing the whistle on a local authority is guided",
        {
            "category": "corruption",
            "respondent_type": "local-authority",
            "respondent_territory": "FR-OCC",
            "complainant_role": "public-official",
        },
        "competent",
        lead="fr-ddd",
        matched=("fr-ddd/whistleblower-guidance",),
    ),
    Scenario(
        "fr-ddd: a private dispute",
        {"respondent_type": "private-company", "respondent_territory": "FR"},
        "not-competent",
        advice="private-dispute",
        excluding=("fr-ddd/private-dispute",),
    ),
    Scenario(
        "fr-ddd: a court decision",
        {"respondent_type": "court", "respondent_territory": "FR-BRE"},
        "not-competent",
        advice="court-decision",
        excluding=("fr-ddd/court-decision",),
    ),
    Scenario(
        "fr-ddd: a court case pending about a public service",
        {"respondent_territory": "FR-NOR", "court_case_pending": True},
        "not-competent",
        advice="court-case-pending",
        excluding=("fr-ddd/court-case-pending",),
    ),
    Scenario(
        "fr-hatvp: a citizen reports a conflict of interest of an elected official",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "respondent_territory": "FR-IDF",
        },
        "competent",
        lead="fr-hatvp",
        matched=("fr-hatvp/integrity-public-officials",),
        extra={"reason": "single-institution"},
    ),
    Scenario(
        "fr joint: a public official reports an integrity breach, HATVP leads, DDD protects",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "respondent_territory": "FR",
            "complainant_role": "public-official",
        },
        "competent",
        lead="fr-hatvp",
        associated=("fr-ddd",),
        matched=("fr-hatvp/integrity-public-officials", "fr-ddd/whistleblower-guidance"),
        extra={"reason": "joint-case"},
    ),
    Scenario(
        "fr joint: a pending court case excludes neither part",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "respondent_territory": "FR-GES",
            "complainant_role": "public-official",
            "court_case_pending": True,
        },
        "competent",
        lead="fr-hatvp",
        associated=("fr-ddd",),
    ),
    Scenario(
        "fr: a citizen reporting corruption is sent to the prosecutor",
        {
            "category": "corruption",
            "respondent_type": "local-authority",
            "respondent_territory": "FR",
        },
        "not-competent",
        advice="fr-prosecutor",
    ),
    Scenario(
        "fr: personal data goes to the CNIL",
        {"category": "data-protection", "respondent_territory": "FR-HDF"},
        "not-competent",
        advice="fr-cnil",
    ),
    # --- Outside the network
    Scenario(
        "a country outside the network",
        {"respondent_territory": "DE-BY"},
        "not-competent",
        advice="outside-network",
        extra={"reason": "outside-network"},
    ),
    Scenario(
        "a court decision outside the network still gets the court advice",
        {"respondent_type": "court", "respondent_territory": "ES"},
        "not-competent",
        advice="court-decision",
    ),
    Scenario(
        "an uncategorised complaint outside the network is advice, not triage",
        {"category": "other", "respondent_territory": "DE"},
        "not-competent",
        advice="outside-network",
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_decision(scenario: Scenario) -> None:
    decision = decide(facts(**scenario.facts), SEED)

    assert decision.outcome == scenario.outcome
    assert (decision.lead.institution_id if decision.lead else None) == scenario.lead
    assert tuple(a.institution_id for a in decision.associated) == scenario.associated
    assert (decision.lead.office_id if decision.lead else None) == scenario.office
    assert decision.advice == scenario.advice
    assert decision.triage_institution_id == scenario.triage
    assert decision.candidates == scenario.candidates
    if scenario.matched:
        assert decision.matched_rules == scenario.matched
    assert decision.excluding_rules == scenario.excluding
    assert decision.missing_prerequisites == scenario.missing
    for name, expected in scenario.extra.items():
        assert getattr(decision, name) == expected
    assert decision.registry_version == SEED.version


def test_scenarios_cover_every_institution_as_lead() -> None:
    leads = {s.lead for s in SCENARIOS}
    assert leads >= set(SEED.institutions)


def test_scenarios_cover_every_outcome_exclusion_prerequisite_and_advice() -> None:
    assert {s.outcome for s in SCENARIOS} == {
        "competent",
        "prerequisite-missing",
        "not-competent",
        "triage",
    }
    excluded_by = {rule.split("/", 1)[1] for s in SCENARIOS for rule in s.excluding}
    assert excluded_by == set(SEED.exclusions)
    missing = {rule.split("/", 1)[1] for s in SCENARIOS for rule in s.missing}
    assert missing == set(SEED.prerequisites)
    assert {s.advice for s in SCENARIOS} - {None} == set(SEED.advice)


def test_a_competent_decision_is_what_the_routed_event_carries() -> None:
    decision = decide(facts(respondent_type="local-authority", respondent_territory="MA-06"), SEED)

    assert decision.outcome == "competent"
    event = ComplaintRouted(
        reference="NWD-7K3M9QX2VD4H",
        decision_id="d-1",
        registry_version=decision.registry_version,
        outcome=decision.outcome,
        competent=list(decision.competent),
        matched_rules=list(decision.matched_rules),
        excluding_rules=list(decision.excluding_rules),
        advice=decision.advice,
        language="fr",
        received_at="2025-01-01T00:00:00Z",
        decided_at="2025-01-01T00:00:01Z",
    )
    assert event.competent[0].office_name == "Délégation régionale de Casablanca-Settat"


def test_names_follow_the_complainants_language_and_fall_back_to_the_official_name() -> None:
    in_arabic = decide(facts(respondent_territory="MA-01", language="ar"), SEED)
    flemish = decide(
        facts(
            respondent_type="regional-administration", respondent_territory="BE-VLI", language="ar"
        ),
        SEED,
    )

    assert in_arabic.lead is not None
    assert in_arabic.lead.name == "مؤسسة وسيط المملكة"
    assert in_arabic.lead.office_name == "المندوبية الجهوية لطنجة-تطوان-الحسيمة"
    assert flemish.lead is not None
    assert flemish.lead.name == "Vlaamse Ombudsdienst"


ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
EXPLAINED = [
    ("competent with an office", {"respondent_territory": "MA-06"}),
    (
        "joint",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "respondent_territory": "FR",
            "complainant_role": "public-official",
        },
    ),
    ("prerequisite missing", {"administration_contacted": False}),
    ("excluded", {"court_case_pending": True}),
    ("tie", {"respondent_type": "regional-administration", "respondent_territory": "BE-BRU"}),
    ("unknown territory", {"respondent_territory": "MA-13"}),
    ("uncategorised", {"category": "other"}),
]


@pytest.mark.parametrize(("situation", "overrides"), EXPLAINED, ids=[e[0] for e in EXPLAINED])
def test_every_decision_explains_itself_in_three_languages(
    situation: str, overrides: dict[str, Any]
) -> None:
    decision = decide(facts(**overrides), SEED)
    texts = {language: decision.explain(language) for language in ("ar", "fr", "en")}

    assert ARABIC_LETTER.search(texts["ar"])
    assert not ARABIC_LETTER.search(texts["fr"] + texts["en"])
    assert len(set(texts.values())) == 3
    if decision.advice:
        for language, text in texts.items():
            assert SEED.advice_text(decision.advice, language) in text
    for institution_id in (*decision.candidates, decision.triage_institution_id):
        if institution_id:
            assert SEED.institution_name(institution_id, "en") in texts["en"]


def test_explanations_name_lead_office_and_associated() -> None:
    office = decide(facts(respondent_territory="MA-06"), SEED).explain("en")
    joint = decide(
        facts(
            category="integrity",
            respondent_type="public-official",
            respondent_territory="FR",
            complainant_role="public-official",
        ),
        SEED,
    ).explain("fr")
    missing = decide(facts(administration_contacted=False), SEED).explain("en")

    assert office.startswith("Institution of the Mediator of the Kingdom is competent")
    assert "Casablanca-Settat regional delegation" in office
    assert joint.startswith(
        "L'institution compétente pour votre plainte est : "
        "Haute Autorité pour la transparence de la vie publique."
    )
    assert "sous la même référence : Défenseur des droits" in joint
    assert "come back with this reference" in missing


# --- Ranking, on small registries built for the purpose -----------------------------------------


def directory(*institutions: dict[str, Any], desks: dict[str, str] | None = None) -> dict[str, Any]:
    """The seed's territories and vocabulary, with only these institutions."""
    data = SEED.to_dict()
    data["institutions"] = list(institutions)
    data["triage_desks"] = desks or {}
    return data


def institution(identifier: str, *rules: dict[str, Any], territory: str = "MA") -> dict[str, Any]:
    return {
        "id": identifier,
        "names": {"official": identifier.upper()},
        "languages": ["fr"],
        "territory": territory,
        "offices": [],
        "service_standards": {"acknowledge_days": 1, "admissibility_days": 2, "resolve_days": 3},
        "rules": list(rules),
    }


def rule(
    identifier: str, priority: int = 10, territories: tuple[str, ...] = ("MA",)
) -> dict[str, Any]:
    return {
        "id": identifier,
        "priority": priority,
        "categories": ["corruption", "maladministration"],
        "respondent_types": ["local-authority"],
        "territories": list(territories),
        "complainant_roles": ["citizen"],
    }


CORRUPTION_IN_MA06 = facts(
    category="corruption", respondent_type="local-authority", respondent_territory="MA-06"
)


def test_the_higher_priority_leads_and_the_others_are_associated_in_rank_order() -> None:
    registry = Registry.from_dict(
        directory(
            institution("a-low", rule("r", priority=5)),
            institution("b-high", rule("r", priority=20)),
            institution("c-middle", rule("r", priority=10)),
        )
    )

    decision = decide(CORRUPTION_IN_MA06, registry)

    assert decision.reason == "joint-case"
    assert [(c.institution_id, c.role) for c in decision.competent] == [
        ("b-high", "lead"),
        ("c-middle", "associated"),
        ("a-low", "associated"),
    ]
    assert decision.matched_rules == ("b-high/r", "c-middle/r", "a-low/r")


def test_at_equal_priority_the_more_specific_territory_leads() -> None:
    registry = Registry.from_dict(
        directory(
            institution("national", rule("r", territories=("MA",))),
            institution("regional", rule("r", territories=("MA-06",))),
        )
    )

    decision = decide(CORRUPTION_IN_MA06, registry)

    assert [c.institution_id for c in decision.competent] == ["regional", "national"]


def test_a_rule_naming_a_country_and_its_region_ranks_at_the_region() -> None:
    registry = Registry.from_dict(
        directory(
            institution("both", rule("r", territories=("MA", "MA-06"))),
            institution("regional", rule("r", territories=("MA-06",))),
        )
    )

    decision = decide(CORRUPTION_IN_MA06, registry)

    assert decision.outcome == "triage"
    assert decision.candidates == ("both", "regional")
    assert decision.matched_rules == ("both/r", "regional/r")


def test_equal_leads_without_a_desk_are_triaged_by_the_first_candidate() -> None:
    registry = Registry.from_dict(
        directory(institution("zeta", rule("r")), institution("alpha", rule("r")))
    )

    decision = decide(CORRUPTION_IN_MA06, registry)

    assert decision.outcome == "triage"
    assert decision.triage_institution_id == "alpha"
    assert decision.competent == ()


def test_an_institutions_best_rule_is_its_rank_and_its_rules_are_all_reported() -> None:
    registry = Registry.from_dict(
        directory(
            institution("one", rule("weak", priority=5), rule("strong", priority=20)),
            institution("two", rule("r", priority=10)),
        )
    )

    decision = decide(CORRUPTION_IN_MA06, registry)

    assert [c.institution_id for c in decision.competent] == ["one", "two"]
    assert decision.matched_rules == ("one/strong", "one/weak", "two/r")


def test_declaration_order_never_chooses_the_lead() -> None:
    forwards = directory(
        institution("b", rule("r", priority=10)),
        institution("a", rule("r", priority=10, territories=("MA-06",))),
    )
    backwards = copy.deepcopy(forwards)
    backwards["institutions"].reverse()

    first = decide(CORRUPTION_IN_MA06, Registry.from_dict(forwards))
    second = decide(CORRUPTION_IN_MA06, Registry.from_dict(backwards))

    assert first == second
    assert first.lead is not None
    assert first.lead.institution_id == "a"


def test_uncategorised_without_any_institution_for_the_country_is_advice() -> None:
    registry = Registry.from_dict(directory(institution("fr-only", rule("r"), territory="FR")))

    decision = decide(facts(category="other", respondent_territory="BE-WAL"), registry)

    assert decision.outcome == "not-competent"
    assert decision.advice == "outside-network"


def test_a_competent_institution_hides_the_exclusions_of_the_others_but_not_its_competence() -> (
    None
):
    shielded = dict(rule("r"), exclusions=["court-case-pending"])
    registry = Registry.from_dict(
        directory(institution("excluded", shielded), institution("open", rule("r", priority=5)))
    )

    decision = decide(
        facts(category="corruption", respondent_type="local-authority", court_case_pending=True),
        registry,
    )

    assert [c.institution_id for c in decision.competent] == ["open"]
    assert decision.excluding_rules == ("excluded/court-case-pending",)


# --- The registry and mandates -------------------------------------------------------------------


def test_the_version_is_a_content_hash() -> None:
    same = Registry.from_dict(SEED.to_dict())
    reordered = SEED.to_dict()
    reordered["institutions"].reverse()
    changed = SEED.to_dict()
    changed["institutions"][0]["service_standards"]["resolve_days"] += 1

    assert same.version == SEED.version == Registry.from_dict(reordered).version
    assert Registry.from_dict(changed).version != SEED.version
    assert SEED.version.startswith("sha256:")


def test_the_seed_mandates_are_sound() -> None:
    for declared in SEED.to_dict()["institutions"]:
        assert validate_mandate(declared["rules"]) == [], declared["id"]


def test_the_seed_declares_the_directory_the_design_names() -> None:
    assert set(SEED.institutions) == {
        "ma-mediateur",
        "ma-inpplc",
        "ma-cndh",
        "ma-cndp",
        "be-federal",
        "be-wallonie",
        "be-vlaanderen",
        "be-unia",
        "fr-ddd",
        "fr-hatvp",
    }
    assert {f"MA-{n:02d}" for n in range(1, 13)} <= set(SEED.territory_chains)
    assert {"BE-BRU", "BE-VLG", "BE-WAL", "BE-WHT", "BE-VAN", "FR-IDF"} <= set(
        SEED.territory_chains
    )
    assert SEED.territory_chains["BE-WHT"] == ("BE-WHT", "BE-WAL", "BE")
    for advice in SEED.advice.values():
        assert set(advice.texts) >= {"ar", "fr", "en"}


NEVER_MATCHING = [
    ({"categories": []}, "lists no categories"),
    ({"respondent_types": []}, "lists no respondent types"),
    ({"complainant_roles": []}, "lists no complainant roles"),
    ({"territories": []}, "lists no territories"),
    ({"territories": ["MA-99"]}, "unknown territory 'MA-99'"),
    ({"categories": ["parking"]}, "unknown category 'parking'"),
    ({"respondent_types": ["alien"]}, "unknown respondent type 'alien'"),
    ({"complainant_roles": ["robot"]}, "unknown complainant role 'robot'"),
    ({"prerequisites": ["a-fee-paid"]}, "unknown prerequisite 'a-fee-paid'"),
    ({"exclusions": ["mondays"]}, "unknown exclusion 'mondays'"),
    (
        {"respondent_types": ["private-company"], "exclusions": ["private-dispute"]},
        "exclusion 'private-dispute' covers every respondent type",
    ),
    ({"priority": "high"}, "priority"),
]


@pytest.mark.parametrize(("change", "problem"), NEVER_MATCHING, ids=[p for _, p in NEVER_MATCHING])
def test_validate_mandate_reports_a_rule_that_cannot_work(
    change: dict[str, Any], problem: str
) -> None:
    problems = validate_mandate([rule("r") | change])

    assert any(problem in p for p in problems), problems


def test_validate_mandate_accepts_a_sound_rule_and_reports_duplicates() -> None:
    assert validate_mandate([rule("r")]) == []
    assert validate_mandate([rule("r"), rule("r")]) == ["rule 'r' is declared twice"]


BROKEN_DIRECTORIES = [
    (
        "unknown desk",
        lambda d: d["triage_desks"].update(MA="nobody"),
        "unknown institution 'nobody'",
    ),
    (
        "rule territory",
        lambda d: d["institutions"][0]["rules"][0].update(territories=["XX-01"]),
        "unknown territory 'XX-01'",
    ),
    (
        "advice in one language",
        lambda d: d["advice"][0]["text"].pop("ar"),
        "no text in ar",
    ),
    (
        "exclusion advice",
        lambda d: d["exclusions"]["court-decision"].update(advice="pray"),
        "unknown advice 'pray'",
    ),
    (
        "no final advice",
        lambda d: d["not_competent_advice"].pop(),
        "must end with an entry that has no condition",
    ),
    (
        "twice the same institution",
        lambda d: d["institutions"].append(copy.deepcopy(d["institutions"][0])),
        "is declared twice",
    ),
    (
        "unknown parent",
        lambda d: d["territories"].append({"code": "XX-01", "name": "x", "parent": "XX"}),
        "unknown parent 'XX'",
    ),
    ("a missing field", lambda d: d.pop("institutions"), "institutions"),
]


@pytest.mark.parametrize(
    ("situation", "breaks", "problem"), BROKEN_DIRECTORIES, ids=[b[0] for b in BROKEN_DIRECTORIES]
)
def test_a_broken_directory_is_refused_with_its_reason(
    situation: str, breaks: Any, problem: str
) -> None:
    data = SEED.to_dict()
    breaks(data)

    with pytest.raises(RegistryError) as refused:
        Registry.from_dict(data)

    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_a_decision_is_immutable() -> None:
    decision: Decision = decide(facts(), SEED)

    with pytest.raises(AttributeError):
        decision.outcome = "triage"  # type: ignore[misc]
