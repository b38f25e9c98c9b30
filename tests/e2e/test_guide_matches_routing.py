"""What the guide tells a citizen is what happens to the complaint they then file.

For each situation, the guide is asked through the gateway and the same facts are filed as a real
complaint and followed to their case: both must name the same outcome, the same institutions in
the same roles and offices, the same advice and the same triage institution. The situations cover
every institution of the seed directory, every exclusion and prerequisite, the regional offices,
transfers from the wrong door, joint cases, advice and triage.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx

from .test_complaint_to_case import file, follow_until

CASE_STATUS = {
    "competent": "routed",
    "prerequisite-missing": "inadmissible",
    "not-competent": "closed",
    "triage": "triage",
}
# Situations filed at once. Each filing hashes a receipt (Argon2id, 64 MiB); more at once on a
# two-core machine starves the services of the 10 s the gateway waits, and this test is about
# agreement, not throughput (bench/ measures that).
BATCH = 4


@dataclass(frozen=True)
class Situation:
    name: str
    facts: dict[str, Any]
    outcome: str
    lead: str | None = None
    associated: tuple[str, ...] = ()
    office: str | None = None
    advice: str | None = None
    triage: str | None = None
    language: str = "fr"
    extra: dict[str, Any] = field(default_factory=dict)


def answers(situation: Situation) -> dict[str, Any]:
    """A citizen's maladministration complaint about a Moroccan ministry, changed as said."""
    base: dict[str, Any] = {
        "category": "maladministration",
        "respondent_type": "national-administration",
        "territory": "MA",
        "complainant_role": "citizen",
        "administration_contacted": True,
        "court_case_pending": False,
        "anonymous": True,
        "received_by": None,
    }
    return base | situation.facts


def submission(situation: Situation) -> dict[str, Any]:
    given = answers(situation)
    body: dict[str, Any] = {
        "description": "What happened, in the complainant's own words, at some length.",
        "category": given["category"],
        "respondent": {
            "name": "The body complained about",
            "type": given["respondent_type"],
            "territory": given["territory"],
        },
        "complainant": {"role": given["complainant_role"], "anonymous": True},
        "administration_contacted": given["administration_contacted"],
        "court_case_pending": given["court_case_pending"],
        "language": situation.language,
    }
    if given["received_by"]:
        body["received_by"] = given["received_by"]
    return body


S = Situation
SITUATIONS = [
    # Morocco: the Médiateur, its prerequisite, its exclusions and its regional delegations
    S("ma-mediateur: a ministry, contacted first", {}, "competent", lead="ma-mediateur"),
    S(
        "ma-mediateur: a commune in MA-06 goes to the Casablanca-Settat delegation",
        {"respondent_type": "local-authority", "territory": "MA-06"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    S(
        "ma-mediateur: a regional administration in MA-01, in Arabic",
        {"respondent_type": "regional-administration", "territory": "MA-01"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-tanger-tetouan-al-hoceima",
        language="ar",
    ),
    S(
        "ma-mediateur: a prefecture inside MA-06",
        {"respondent_type": "local-authority", "territory": "MA-CAS"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    S(
        "ma-mediateur: a public enterprise of no one region is served centrally",
        {"respondent_type": "public-enterprise", "territory": "MA"},
        "competent",
        lead="ma-mediateur",
    ),
    S(
        "ma-mediateur: a public official about their own administration",
        {"complainant_role": "public-official", "territory": "MA-RAB"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-rabat-sale-kenitra",
    ),
    S(
        "ma-mediateur: a commune in Marrakech-Safi, in Arabic",
        {"respondent_type": "local-authority", "territory": "MA-07"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-marrakech-safi",
        language="ar",
    ),
    S(
        "ma-mediateur: administration not contacted first",
        {"administration_contacted": False, "territory": "MA-06"},
        "prerequisite-missing",
        advice="contact-administration-first",
    ),
    S(
        "ma-mediateur: a court case pending",
        {"court_case_pending": True},
        "not-competent",
        advice="court-case-pending",
    ),
    S(
        "ma-mediateur: a private dispute",
        {"respondent_type": "private-company", "territory": "MA-06"},
        "not-competent",
        advice="private-dispute",
    ),
    S(
        "ma-mediateur: a court decision",
        {"respondent_type": "court"},
        "not-competent",
        advice="court-decision",
    ),
    # Morocco: anti-corruption, human rights, personal data
    S(
        "ma-inpplc: corruption by a commune, the administration not contacted",
        {
            "category": "corruption",
            "respondent_type": "local-authority",
            "territory": "MA-06",
            "administration_contacted": False,
        },
        "competent",
        lead="ma-inpplc",
    ),
    S(
        "ma-inpplc: a public official reports an integrity breach, in English",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "complainant_role": "public-official",
        },
        "competent",
        lead="ma-inpplc",
        language="en",
    ),
    S(
        "ma-inpplc: corruption in a private company",
        {"category": "corruption", "respondent_type": "private-company", "territory": "MA-01"},
        "competent",
        lead="ma-inpplc",
    ),
    S(
        "ma-inpplc: an NGO reports corruption already before a court",
        {"category": "corruption", "complainant_role": "ngo", "court_case_pending": True},
        "not-competent",
        advice="court-case-pending",
    ),
    S(
        "ma-cndh: human rights in MA-06 go to the regional commission",
        {"category": "human-rights", "respondent_type": "public-official", "territory": "MA-06"},
        "competent",
        lead="ma-cndh",
        office="ma-cndh-casablanca-settat",
    ),
    S(
        "ma-cndh: discrimination in Tanger-Assilah, in Arabic",
        {"category": "discrimination", "respondent_type": "private-company", "territory": "MA-TNG"},
        "competent",
        lead="ma-cndh",
        office="ma-cndh-tanger-tetouan-al-hoceima",
        language="ar",
    ),
    S(
        "ma-cndh: children's rights in Marrakech-Safi go to its commission",
        {"category": "children-rights", "respondent_type": "local-authority", "territory": "MA-07"},
        "competent",
        lead="ma-cndh",
        office="ma-cndh-marrakech-safi",
    ),
    S(
        "ma-cndh: a court decision is not for it",
        {"category": "human-rights", "respondent_type": "court"},
        "not-competent",
        advice="court-decision",
    ),
    S(
        "ma-cndp: personal data misused by a company",
        {"category": "data-protection", "respondent_type": "private-company", "territory": "MA-06"},
        "competent",
        lead="ma-cndp",
    ),
    # No wrong door: filed at one institution, handled by another
    S(
        "transfer: maladministration filed at the CNDH goes to the Médiateur",
        {"respondent_type": "local-authority", "territory": "MA-06", "received_by": "ma-cndh"},
        "competent",
        lead="ma-mediateur",
        office="ma-mediateur-casablanca-settat",
    ),
    S(
        "transfer: corruption filed at the Médiateur goes to the INPPLC",
        {"category": "corruption", "received_by": "ma-mediateur"},
        "competent",
        lead="ma-inpplc",
    ),
    S(
        "transfer: discrimination filed at the Federal Ombudsman goes to Unia",
        {
            "category": "discrimination",
            "respondent_type": "private-company",
            "territory": "BE-WAL",
            "received_by": "be-federal",
        },
        "competent",
        lead="be-unia",
    ),
    # Morocco: what needs a person
    S(
        "ma triage: uncategorised goes to the country's desk",
        {"category": "other", "territory": "MA-06"},
        "triage",
        triage="ma-mediateur",
    ),
    S(
        "ma triage: uncategorised at the CNDH's door is triaged there",
        {"category": "other", "received_by": "ma-cndh"},
        "triage",
        triage="ma-cndh",
    ),
    S(
        "ma triage: an unknown region is triaged, not guessed",
        {"territory": "MA-13"},
        "triage",
        triage="ma-mediateur",
    ),
    S(
        "ma triage: an unknown region at the INPPLC's door",
        {"territory": "MA-13", "received_by": "ma-inpplc"},
        "triage",
        triage="ma-inpplc",
    ),
    # Belgium
    S(
        "be-federal: a federal administration in Brussels",
        {"territory": "BE-BRU"},
        "competent",
        lead="be-federal",
    ),
    S(
        "be-federal: the administration must be contacted first, in English",
        {"territory": "BE", "administration_contacted": False},
        "prerequisite-missing",
        advice="contact-administration-first",
        language="en",
    ),
    S(
        "be-federal: a federal official reports an integrity breach",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "territory": "BE",
            "complainant_role": "public-official",
            "administration_contacted": False,
        },
        "competent",
        lead="be-federal",
    ),
    S(
        "be: a private dispute in Liège",
        {"respondent_type": "private-company", "territory": "BE-WLG"},
        "not-competent",
        advice="private-dispute",
    ),
    S(
        "be-wallonie: a Walloon regional administration",
        {"respondent_type": "regional-administration", "territory": "BE-WAL"},
        "competent",
        lead="be-wallonie",
    ),
    S(
        "be-wallonie: a public body in Hainaut",
        {"respondent_type": "public-enterprise", "territory": "BE-WHT"},
        "competent",
        lead="be-wallonie",
    ),
    S(
        "be-ostbelgien: a German-speaking Community administration, in German",
        {"respondent_type": "regional-administration", "territory": "BE-DG"},
        "competent",
        lead="be-ostbelgien",
        language="de",
    ),
    S(
        "be-ostbelgien: a municipality there, the administration not contacted",
        {
            "respondent_type": "local-authority",
            "territory": "BE-DG",
            "administration_contacted": False,
        },
        "prerequisite-missing",
        advice="contact-administration-first",
    ),
    S(
        "be-vlaanderen: a Flemish administration in Antwerp",
        {"respondent_type": "regional-administration", "territory": "BE-VAN"},
        "competent",
        lead="be-vlaanderen",
    ),
    S(
        "be-vlaanderen: a court case pending",
        {
            "respondent_type": "regional-administration",
            "territory": "BE-VLG",
            "court_case_pending": True,
        },
        "not-competent",
        advice="court-case-pending",
    ),
    S(
        "be triage: a community administration in Brussels ties two ombudsmen",
        {"respondent_type": "regional-administration", "territory": "BE-BRU"},
        "triage",
        triage="be-federal",
    ),
    S(
        "be triage: the same tie at the Flemish ombudsman's door",
        {
            "respondent_type": "regional-administration",
            "territory": "BE-BRU",
            "received_by": "be-vlaanderen",
        },
        "triage",
        triage="be-vlaanderen",
    ),
    S(
        "be: the tie without contacting the administration",
        {
            "respondent_type": "public-enterprise",
            "territory": "BE-BRU",
            "administration_contacted": False,
        },
        "prerequisite-missing",
        advice="contact-administration-first",
    ),
    S(
        "be-unia: discrimination with a court case pending",
        {"category": "discrimination", "territory": "BE", "court_case_pending": True},
        "competent",
        lead="be-unia",
    ),
    S(
        "be-unia: a court decision is still excluded",
        {"category": "discrimination", "respondent_type": "court", "territory": "BE"},
        "not-competent",
        advice="court-decision",
    ),
    S(
        "be advice: corruption goes to the prosecutor",
        {"category": "corruption", "respondent_type": "public-official", "territory": "BE"},
        "not-competent",
        advice="be-prosecutor",
    ),
    S(
        "be advice: personal data goes to the data protection authority",
        {"category": "data-protection", "territory": "BE-WAL"},
        "not-competent",
        advice="be-apd",
    ),
    S(
        "be advice: children's rights go to the commissioners",
        {"category": "children-rights", "territory": "BE-WNA"},
        "not-competent",
        advice="be-children-rights",
    ),
    S(
        "be advice: a municipality has its own complaints service",
        {"respondent_type": "local-authority", "territory": "BE-VOV"},
        "not-competent",
        advice="be-local-ombudsman",
    ),
    S(
        "be advice: a federal public company has a sector ombudsman",
        {"respondent_type": "public-enterprise", "territory": "BE"},
        "not-competent",
        advice="be-sector-ombudsman",
    ),
    # France
    S(
        "fr-ddd: a local public service in Île-de-France",
        {"respondent_type": "local-authority", "territory": "FR-IDF"},
        "competent",
        lead="fr-ddd",
    ),
    S(
        "fr-ddd: public services need the administration contacted first",
        {"territory": "FR", "administration_contacted": False},
        "prerequisite-missing",
        advice="contact-administration-first",
    ),
    S(
        "fr-ddd: children's rights overseas",
        {
            "category": "children-rights",
            "respondent_type": "local-authority",
            "territory": "FR-971",
        },
        "competent",
        lead="fr-ddd",
    ),
    S(
        "fr-ddd: a public official reporting an integrity breach of a commune is guided",
        {
            "category": "integrity",
            "respondent_type": "local-authority",
            "territory": "FR-OCC",
            "complainant_role": "public-official",
        },
        "competent",
        lead="fr-ddd",
    ),
    S(
        "fr joint: a public official blows the whistle on corruption, AFA leads and DDD guides",
        {
            "category": "corruption",
            "respondent_type": "local-authority",
            "territory": "FR-OCC",
            "complainant_role": "public-official",
        },
        "competent",
        lead="fr-afa",
        associated=("fr-ddd",),
    ),
    S(
        "fr-afa: an association reports corruption in a company, in English",
        {
            "category": "corruption",
            "respondent_type": "private-company",
            "territory": "FR-IDF",
            "complainant_role": "ngo",
        },
        "competent",
        lead="fr-afa",
        language="en",
    ),
    S(
        "fr-hatvp: a citizen reports a conflict of interest",
        {"category": "integrity", "respondent_type": "public-official", "territory": "FR-IDF"},
        "competent",
        lead="fr-hatvp",
    ),
    S(
        "fr joint: a public official's report, HATVP leads and DDD protects, in English",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "territory": "FR",
            "complainant_role": "public-official",
        },
        "competent",
        lead="fr-hatvp",
        associated=("fr-ddd",),
        language="en",
    ),
    S(
        "fr joint: filed at the DDD's own door, with a court case pending",
        {
            "category": "integrity",
            "respondent_type": "public-official",
            "territory": "FR-GES",
            "complainant_role": "public-official",
            "court_case_pending": True,
            "received_by": "fr-ddd",
        },
        "competent",
        lead="fr-hatvp",
        associated=("fr-ddd",),
    ),
    S(
        "fr advice: a court decision",
        {"respondent_type": "court", "territory": "FR-BRE"},
        "not-competent",
        advice="court-decision",
    ),
    S(
        "fr advice: personal data goes to the CNIL",
        {"category": "data-protection", "territory": "FR-HDF"},
        "not-competent",
        advice="fr-cnil",
    ),
    S(
        "fr advice: a citizen reporting corruption goes to the prosecutor",
        {"category": "corruption", "respondent_type": "local-authority", "territory": "FR"},
        "not-competent",
        advice="fr-prosecutor",
    ),
    # Outside the network
    S(
        "elsewhere: a country outside the network",
        {"territory": "DE-BY"},
        "not-competent",
        advice="outside-network",
    ),
    S(
        "elsewhere: uncategorised outside the network is advice, not triage",
        {"category": "other", "territory": "ZZ"},
        "not-competent",
        advice="outside-network",
    ),
]


def institutions(listed: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (i["institution_id"], i["role"], i["name"], i.get("office_id"), i.get("office_name"))
        for i in listed
    ]


async def disagreements(gateway: httpx.AsyncClient, situation: Situation) -> list[str]:
    """What the guide said, what happened, and every difference between them and the expected."""
    asked = await gateway.post(
        "/v1/guide/answers", params={"lang": situation.language}, json=answers(situation)
    )
    assert asked.status_code == 200, asked.text
    guide = asked.json()
    accepted = await file(gateway, submission(situation))
    case = await follow_until(gateway, accepted, *CASE_STATUS.values(), timeout=45)

    guide_lead = guide["institutions"][0]["institution_id"] if guide["institutions"] else None
    problems = []
    if CASE_STATUS[guide["outcome"]] != case["status"]:
        problems.append(f"guide {guide['outcome']}, case {case['status']}")
    if institutions(guide["institutions"]) != institutions(case["institutions"]):
        problems.append(f"guide {guide['institutions']}, case {case['institutions']}")
    guide_advice = guide["advice"]["code"] if guide["advice"] else None
    if guide_advice != case.get("advice"):
        problems.append(f"guide advice {guide_advice}, case advice {case.get('advice')}")
    if guide["triage_institution"]:
        desk = guide["triage_institution"]["name"]
        if not any(desk in entry["summary"] for entry in case["timeline"]):
            problems.append(f"the case does not name the triage institution {desk}")
    expected = (
        situation.outcome,
        situation.lead,
        situation.associated,
        situation.advice,
        situation.triage,
    )
    got = (
        guide["outcome"],
        guide_lead,
        tuple(i["institution_id"] for i in guide["institutions"][1:]),
        guide_advice,
        guide["triage_institution"]["institution_id"] if guide["triage_institution"] else None,
    )
    if got != expected:
        problems.append(f"expected {expected}, the guide said {got}")
    offices = guide["institutions"][0].get("office_id") if guide["institutions"] else None
    if offices != situation.office:
        problems.append(f"expected office {situation.office}, the guide said {offices}")
    return [f"{situation.name}: {problem}" for problem in problems]


def test_the_situations_cover_the_seed_directory() -> None:
    leads = {s.lead for s in SITUATIONS} | {s.triage for s in SITUATIONS}
    assert len(SITUATIONS) >= 40
    assert {
        "ma-mediateur",
        "ma-inpplc",
        "ma-cndh",
        "ma-cndp",
        "be-federal",
        "be-wallonie",
        "be-vlaanderen",
        "be-unia",
        "be-ostbelgien",
        "fr-ddd",
        "fr-hatvp",
        "fr-afa",
    } <= leads
    assert {s.advice for s in SITUATIONS} >= {
        "contact-administration-first",
        "court-case-pending",
        "court-decision",
        "private-dispute",
    }
    assert {s.outcome for s in SITUATIONS} == set(CASE_STATUS)
    assert any(s.associated for s in SITUATIONS)
    assert any(s.office for s in SITUATIONS)
    assert any(s.facts.get("received_by") and s.outcome == "competent" for s in SITUATIONS)


async def test_the_guide_and_a_real_submission_agree_in_every_situation(
    gateway: httpx.AsyncClient,
) -> None:
    found: list[str] = []
    for start in range(0, len(SITUATIONS), BATCH):
        batch = SITUATIONS[start : start + BATCH]
        for problems in await asyncio.gather(*(disagreements(gateway, s) for s in batch)):
            found += problems

    assert found == []
