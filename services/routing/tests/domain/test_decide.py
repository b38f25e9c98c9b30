"""Competence routing over the seed directory, one row per situation a complainant can be in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from nowrongdoor.contracts.events import ComplaintFacts, ComplaintRouted
from nowrongdoor.contracts.vocabulary import RoutingOutcome
from routing.domain import Decision, decide, load_seed_registry, mandate_of
from routing.domain.mandate import with_mandate

SEED = load_seed_registry()
Facts = Callable[..., ComplaintFacts]


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: dict[str, Any]
    outcome: RoutingOutcome
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
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
        matched=("ma-mediateur/maladministration-public-bodies",),
    ),
    Scenario(
        "ma-mediateur: local authority in MA-06 goes to the Casablanca-Settat delegation",
        {"respondent_type": "local-authority", "respondent_territory": "MA-06"},
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    Scenario(
        "ma-mediateur: regional administration in MA-01 goes to the Tanger delegation",
        {"respondent_type": "regional-administration", "respondent_territory": "MA-01"},
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
        office="ma-mediateur-tanger-tetouan-al-hoceima",
    ),
    Scenario(
        "ma-mediateur: a prefecture inside MA-06 is served by the Casablanca-Settat delegation",
        {"respondent_type": "local-authority", "respondent_territory": "MA-CAS"},
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    Scenario(
        "ma-mediateur: territory codes are read case-insensitively",
        {"respondent_type": "local-authority", "respondent_territory": " ma-06 "},
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    Scenario(
        "ma-mediateur: a public enterprise of no one region is served centrally",
        {"respondent_type": "public-enterprise", "respondent_territory": "MA"},
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
    ),
    Scenario(
        "ma-mediateur: a public enterprise in Rabat-Salé-Kénitra goes to that delegation",
        {"respondent_type": "public-enterprise", "respondent_territory": "MA-04"},
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
        office="ma-mediateur-rabat-sale-kenitra",
    ),
    Scenario(
        "ma-mediateur: a public official complaining about their own administration",
        {"complainant_role": "public-official", "respondent_territory": "MA-RAB"},
        RoutingOutcome.COMPETENT,
        lead="ma-mediateur",
        office="ma-mediateur-rabat-sale-kenitra",
    ),
    Scenario(
        "ma-mediateur: administration not contacted first",
        {"administration_contacted": False, "respondent_territory": "MA-06"},
        RoutingOutcome.PREREQUISITE_MISSING,
        advice="contact-administration-first",
        candidates=("ma-mediateur",),
        matched=("ma-mediateur/maladministration-public-bodies",),
        missing=("ma-mediateur/administration-contacted",),
    ),
    Scenario(
        "ma-mediateur: court case pending",
        {"court_case_pending": True},
        RoutingOutcome.NOT_COMPETENT,
        advice="court-case-pending",
        excluding=("ma-mediateur/court-case-pending",),
    ),
    Scenario(
        "ma-mediateur: a pending court case excludes before the missing prerequisite counts",
        {"court_case_pending": True, "administration_contacted": False},
        RoutingOutcome.NOT_COMPETENT,
        advice="court-case-pending",
        excluding=("ma-mediateur/court-case-pending",),
    ),
    Scenario(
        "ma-mediateur: a private dispute",
        {"respondent_type": "private-company", "respondent_territory": "MA-06"},
        RoutingOutcome.NOT_COMPETENT,
        advice="private-dispute",
        excluding=("ma-mediateur/private-dispute",),
    ),
    Scenario(
        "ma-mediateur: a court decision",
        {"respondent_type": "court"},
        RoutingOutcome.NOT_COMPETENT,
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
        RoutingOutcome.COMPETENT,
        lead="ma-inpplc",
        matched=("ma-inpplc/corruption-and-integrity",),
    ),
    Scenario(
        "ma-inpplc: no prerequisite, so not contacting the administration does not matter",
        {"category": "corruption", "administration_contacted": False},
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.COMPETENT,
        lead="ma-inpplc",
    ),
    Scenario(
        "ma-inpplc: corruption in a private company",
        {
            "category": "corruption",
            "respondent_type": "private-company",
            "respondent_territory": "MA-01",
        },
        RoutingOutcome.COMPETENT,
        lead="ma-inpplc",
    ),
    Scenario(
        "ma-inpplc: an NGO reports corruption that is already before a court",
        {"category": "corruption", "complainant_role": "ngo", "court_case_pending": True},
        RoutingOutcome.NOT_COMPETENT,
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
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.COMPETENT,
        lead="ma-cndh",
        office="ma-cndh-tanger-tetouan-al-hoceima",
    ),
    Scenario(
        "ma-cndh: children's rights in Marrakech-Safi go to that region's commission",
        {
            "category": "children-rights",
            "respondent_type": "local-authority",
            "respondent_territory": "MA-07",
        },
        RoutingOutcome.COMPETENT,
        lead="ma-cndh",
        office="ma-cndh-marrakech-safi",
    ),
    Scenario(
        "ma-cndh: a national administration of no one region is served centrally",
        {"category": "human-rights", "respondent_territory": "MA"},
        RoutingOutcome.COMPETENT,
        lead="ma-cndh",
    ),
    Scenario(
        "ma-cndh: a court decision is not a human-rights complaint it can take",
        {"category": "human-rights", "respondent_type": "court"},
        RoutingOutcome.NOT_COMPETENT,
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
        RoutingOutcome.COMPETENT,
        lead="ma-cndp",
        matched=("ma-cndp/personal-data-protection",),
    ),
    # --- Morocco: what nobody can decide without a person
    Scenario(
        "ma: an uncategorised complaint goes to the country's triage desk",
        {"category": "other", "respondent_territory": "MA-06"},
        RoutingOutcome.TRIAGE,
        triage="ma-mediateur",
        extra={"reason": "uncategorised"},
    ),
    Scenario(
        "ma: an uncategorised complaint is triaged by the institution it came through",
        {"category": "other", "received_by": "ma-cndh"},
        RoutingOutcome.TRIAGE,
        triage="ma-cndh",
    ),
    Scenario(
        "ma: an unknown region of a known country is triaged, not guessed",
        {"respondent_territory": "MA-13"},
        RoutingOutcome.TRIAGE,
        triage="ma-mediateur",
        extra={"reason": "unknown-territory"},
    ),
    Scenario(
        "ma: an unknown region, received by ma-inpplc, is triaged there",
        {"respondent_territory": "MA-13", "received_by": "ma-inpplc"},
        RoutingOutcome.TRIAGE,
        triage="ma-inpplc",
    ),
    Scenario(
        "ma: a receiving body outside the network does not triage",
        {"respondent_territory": "MA-13", "received_by": "somewhere-else"},
        RoutingOutcome.TRIAGE,
        triage="ma-mediateur",
    ),
    # --- Belgium: federal, regional and community ombudsmen, Unia
    Scenario(
        "be-federal: a federal administration in Brussels",
        {"respondent_territory": "BE-BRU"},
        RoutingOutcome.COMPETENT,
        lead="be-federal",
        matched=("be-federal/maladministration-federal-administrations",),
    ),
    Scenario(
        "be-federal: the administration must be contacted first",
        {"respondent_territory": "BE", "administration_contacted": False, "language": "en"},
        RoutingOutcome.PREREQUISITE_MISSING,
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
        RoutingOutcome.COMPETENT,
        lead="be-federal",
        matched=("be-federal/integrity-reports-federal-officials",),
    ),
    Scenario(
        "be-federal: a private dispute in Wallonia is excluded by both ombudsmen there",
        {"respondent_type": "private-company", "respondent_territory": "BE-WLG"},
        RoutingOutcome.NOT_COMPETENT,
        advice="private-dispute",
        excluding=("be-wallonie/private-dispute", "be-federal/private-dispute"),
    ),
    Scenario(
        "be-wallonie: a Walloon regional administration",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-WAL"},
        RoutingOutcome.COMPETENT,
        lead="be-wallonie",
        matched=("be-wallonie/maladministration-walloon-and-french-community",),
    ),
    Scenario(
        "be-wallonie: a public body in the province of Hainaut",
        {"respondent_type": "public-enterprise", "respondent_territory": "BE-WHT"},
        RoutingOutcome.COMPETENT,
        lead="be-wallonie",
    ),
    Scenario(
        "be-vlaanderen: a Flemish administration in Antwerp",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-VAN"},
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.NOT_COMPETENT,
        advice="court-case-pending",
        excluding=("be-vlaanderen/court-case-pending",),
    ),
    Scenario(
        "be: a community administration in Brussels could be either community's: triage",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-BRU"},
        RoutingOutcome.TRIAGE,
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
        RoutingOutcome.TRIAGE,
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
        RoutingOutcome.PREREQUISITE_MISSING,
        advice="contact-administration-first",
        candidates=("be-vlaanderen", "be-wallonie"),
        missing=("be-vlaanderen/administration-contacted", "be-wallonie/administration-contacted"),
    ),
    Scenario(
        "be-wallonie: a regional administration in Liège, outside the German-speaking Community",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-WLG"},
        RoutingOutcome.COMPETENT,
        lead="be-wallonie",
        matched=("be-wallonie/maladministration-walloon-and-french-community",),
    ),
    Scenario(
        "be-ostbelgien: a German-speaking Community administration is its ombudsman's alone",
        {"respondent_type": "regional-administration", "respondent_territory": "BE-DG"},
        RoutingOutcome.COMPETENT,
        lead="be-ostbelgien",
        matched=("be-ostbelgien/maladministration-german-speaking-community",),
        excluding=("be-wallonie/german-speaking-community-body",),
        extra={"reason": "single-institution"},
    ),
    Scenario(
        "be-ostbelgien: a municipality of the German-speaking Community, in German",
        {"respondent_type": "local-authority", "respondent_territory": "be-dg", "language": "de"},
        RoutingOutcome.COMPETENT,
        lead="be-ostbelgien",
        extra={"reason": "single-institution"},
    ),
    Scenario(
        "be-ostbelgien: a public body there, the administration not contacted first",
        {
            "respondent_type": "public-enterprise",
            "respondent_territory": "BE-DG",
            "administration_contacted": False,
        },
        RoutingOutcome.PREREQUISITE_MISSING,
        advice="contact-administration-first",
        candidates=("be-ostbelgien",),
        missing=("be-ostbelgien/administration-contacted",),
        excluding=("be-wallonie/german-speaking-community-body",),
    ),
    Scenario(
        "be-ostbelgien: a court case pending is told as such, not as the Walloon carve-out",
        {
            "respondent_type": "regional-administration",
            "respondent_territory": "BE-DG",
            "court_case_pending": True,
        },
        RoutingOutcome.NOT_COMPETENT,
        advice="court-case-pending",
        excluding=("be-ostbelgien/court-case-pending", "be-wallonie/court-case-pending"),
    ),
    Scenario(
        "be-federal: a federal administration in the German-speaking Community",
        {"respondent_type": "national-administration", "respondent_territory": "BE-DG"},
        RoutingOutcome.COMPETENT,
        lead="be-federal",
    ),
    Scenario(
        "be-unia: discrimination by a company in Flanders",
        {
            "category": "discrimination",
            "respondent_type": "private-company",
            "respondent_territory": "BE-VLG",
        },
        RoutingOutcome.COMPETENT,
        lead="be-unia",
        matched=("be-unia/discrimination",),
    ),
    Scenario(
        "be-unia: a pending court case does not stop Unia",
        {"category": "discrimination", "respondent_territory": "BE", "court_case_pending": True},
        RoutingOutcome.COMPETENT,
        lead="be-unia",
    ),
    Scenario(
        "be-unia: a court decision is still excluded",
        {"category": "discrimination", "respondent_type": "court", "respondent_territory": "BE"},
        RoutingOutcome.NOT_COMPETENT,
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
        RoutingOutcome.NOT_COMPETENT,
        advice="be-prosecutor",
        extra={"reason": "no-matching-rule"},
    ),
    Scenario(
        "be: personal data goes to the data protection authority",
        {"category": "data-protection", "respondent_territory": "BE-WAL"},
        RoutingOutcome.NOT_COMPETENT,
        advice="be-apd",
    ),
    Scenario(
        "be: children's rights go to the children's rights commissioners",
        {"category": "children-rights", "respondent_territory": "BE-WNA"},
        RoutingOutcome.NOT_COMPETENT,
        advice="be-children-rights",
    ),
    Scenario(
        "be: a municipality goes to its own complaints service",
        {"respondent_type": "local-authority", "respondent_territory": "BE-VOV"},
        RoutingOutcome.NOT_COMPETENT,
        advice="be-local-ombudsman",
    ),
    Scenario(
        "be: a federal public company goes to its sector ombudsman",
        {"respondent_type": "public-enterprise", "respondent_territory": "BE"},
        RoutingOutcome.NOT_COMPETENT,
        advice="be-sector-ombudsman",
    ),
    Scenario(
        "be: human rights have no participating body here",
        {"category": "human-rights", "respondent_territory": "BE"},
        RoutingOutcome.NOT_COMPETENT,
        advice="outside-network",
    ),
    # --- France: the Défenseur des droits and the HATVP, alone and together
    Scenario(
        "fr-ddd: a local public service in Île-de-France",
        {"respondent_type": "local-authority", "respondent_territory": "FR-IDF"},
        RoutingOutcome.COMPETENT,
        lead="fr-ddd",
        matched=("fr-ddd/public-services",),
    ),
    Scenario(
        "fr-ddd: public services need the administration contacted first",
        {"respondent_territory": "FR", "administration_contacted": False},
        RoutingOutcome.PREREQUISITE_MISSING,
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
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.COMPETENT,
        lead="fr-ddd",
        matched=("fr-ddd/security-forces-ethics",),
    ),
    Scenario(
        "fr-ddd: a public official reporting an integrity breach of a commune is guided",
        {
            "category": "integrity",
            "respondent_type": "local-authority",
            "respondent_territory": "FR-OCC",
            "complainant_role": "public-official",
        },
        RoutingOutcome.COMPETENT,
        lead="fr-ddd",
        matched=("fr-ddd/whistleblower-guidance",),
    ),
    Scenario(
        "fr joint: a public official blowing the whistle on corruption, AFA leads, DDD guides",
        {
            "category": "corruption",
            "respondent_type": "local-authority",
            "respondent_territory": "FR-OCC",
            "complainant_role": "public-official",
        },
        RoutingOutcome.COMPETENT,
        lead="fr-afa",
        associated=("fr-ddd",),
        matched=("fr-afa/probity-breach-reports", "fr-ddd/whistleblower-guidance"),
        extra={"reason": "joint-case"},
    ),
    Scenario(
        "fr-afa: an NGO reports corruption in a company, without a prerequisite",
        {
            "category": "corruption",
            "respondent_type": "private-company",
            "respondent_territory": "FR-IDF",
            "complainant_role": "ngo",
            "administration_contacted": False,
        },
        RoutingOutcome.COMPETENT,
        lead="fr-afa",
        matched=("fr-afa/probity-breach-reports",),
        extra={"reason": "single-institution"},
    ),
    Scenario(
        "fr-afa: an NGO's report of corruption by a ministry, already before a court",
        {
            "category": "corruption",
            "respondent_territory": "FR",
            "complainant_role": "ngo",
            "court_case_pending": True,
        },
        RoutingOutcome.COMPETENT,
        lead="fr-afa",
    ),
    Scenario(
        "fr-afa: a court decision is not for it",
        {
            "category": "corruption",
            "respondent_type": "court",
            "respondent_territory": "FR",
            "complainant_role": "ngo",
        },
        RoutingOutcome.NOT_COMPETENT,
        advice="court-decision",
        excluding=("fr-afa/court-decision",),
    ),
    Scenario(
        "fr: integrity reported by an NGO stays the HATVP's, never the AFA's",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "respondent_territory": "FR-CVL",
            "complainant_role": "ngo",
        },
        RoutingOutcome.COMPETENT,
        lead="fr-hatvp",
        matched=("fr-hatvp/integrity-public-officials",),
    ),
    Scenario(
        "fr-ddd: a private dispute",
        {"respondent_type": "private-company", "respondent_territory": "FR"},
        RoutingOutcome.NOT_COMPETENT,
        advice="private-dispute",
        excluding=("fr-ddd/private-dispute",),
    ),
    Scenario(
        "fr-ddd: a court decision",
        {"respondent_type": "court", "respondent_territory": "FR-BRE"},
        RoutingOutcome.NOT_COMPETENT,
        advice="court-decision",
        excluding=("fr-ddd/court-decision",),
    ),
    Scenario(
        "fr-ddd: a court case pending about a public service",
        {"respondent_territory": "FR-NOR", "court_case_pending": True},
        RoutingOutcome.NOT_COMPETENT,
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
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.COMPETENT,
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
        RoutingOutcome.NOT_COMPETENT,
        advice="fr-prosecutor",
    ),
    Scenario(
        "fr: personal data goes to the CNIL",
        {"category": "data-protection", "respondent_territory": "FR-HDF"},
        RoutingOutcome.NOT_COMPETENT,
        advice="fr-cnil",
    ),
    # --- Outside the network
    Scenario(
        "a country outside the network",
        {"respondent_territory": "DE-BY"},
        RoutingOutcome.NOT_COMPETENT,
        advice="outside-network",
        extra={"reason": "outside-network"},
    ),
    Scenario(
        "a court decision outside the network still gets the court advice",
        {"respondent_type": "court", "respondent_territory": "ES"},
        RoutingOutcome.NOT_COMPETENT,
        advice="court-decision",
    ),
    Scenario(
        "an uncategorised complaint outside the network is advice, not triage",
        {"category": "other", "respondent_territory": "DE"},
        RoutingOutcome.NOT_COMPETENT,
        advice="outside-network",
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_decision(scenario: Scenario, facts: Facts) -> None:
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


ONLY_AFTER_A_MANDATE_CHANGE = {"be-dg-ombudsman"}
"""Advice the seed never gives: the German-speaking Community's ombudsman takes every complaint
the Walloon carve-out sets aside, so that carve-out's advice shows only if its mandate shrinks."""


def test_scenarios_cover_every_outcome_exclusion_prerequisite_and_advice() -> None:
    assert {s.outcome for s in SCENARIOS} == set(RoutingOutcome)
    excluded_by = {rule.split("/", 1)[1] for s in SCENARIOS for rule in s.excluding}
    assert excluded_by == set(SEED.exclusions)
    missing = {rule.split("/", 1)[1] for s in SCENARIOS for rule in s.missing}
    assert missing == set(SEED.prerequisites)
    assert {s.advice for s in SCENARIOS} - {None} == set(SEED.advice) - ONLY_AFTER_A_MANDATE_CHANGE


def test_the_walloon_carve_out_names_the_community_ombudsman_if_its_mandate_shrinks(
    facts: Facts,
) -> None:
    municipalities_only = [
        rule | {"respondent_types": ["local-authority"]}
        for rule in mandate_of(SEED, "be-ostbelgien")
    ]
    narrowed = with_mandate(SEED, "be-ostbelgien", municipalities_only)

    decision = decide(
        facts(respondent_type="regional-administration", respondent_territory="BE-DG"), narrowed
    )

    assert (decision.outcome, decision.reason) == (RoutingOutcome.NOT_COMPETENT, "excluded")
    assert decision.advice == "be-dg-ombudsman"
    assert decision.excluding_rules == ("be-wallonie/german-speaking-community-body",)


def test_a_competent_decision_is_what_the_routed_event_carries(facts: Facts) -> None:
    decision = decide(facts(respondent_type="local-authority", respondent_territory="MA-06"), SEED)

    assert decision.outcome is RoutingOutcome.COMPETENT
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


def test_names_follow_the_complainants_language_and_fall_back_to_the_official_name(
    facts: Facts,
) -> None:
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


def test_a_decision_is_immutable(facts: Facts) -> None:
    decision: Decision = decide(facts(), SEED)

    with pytest.raises(AttributeError):
        decision.outcome = RoutingOutcome.TRIAGE  # type: ignore[misc]
