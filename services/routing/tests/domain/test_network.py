"""The whole network in the seed directory: every Moroccan region's offices, the German-speaking
Community's ombudsman and its territory, the AFA, former names, and where a territory lies."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from nowrongdoor.contracts.events import ComplaintFacts
from nowrongdoor.contracts.routing import GuideAnswers
from nowrongdoor.contracts.vocabulary import TERRITORY_PATTERN, Language, RoutingOutcome
from routing.domain import decide, load_seed_registry
from routing.domain.guide import answer, questions
from routing.domain.search import folded, search

SEED = load_seed_registry()
Facts = Callable[..., ComplaintFacts]
NAME_KEYS = {"official", "fr", "en", "ar", "nl", "de"}
MOROCCAN_REGIONS = [f"MA-{number:02d}" for number in range(1, 13)]


def offices_by_region(institution_id: str) -> dict[str, str]:
    return {
        code: office.id
        for office in SEED.institutions[institution_id].offices
        for code in office.territories
    }


@pytest.mark.parametrize("institution_id", ["ma-mediateur", "ma-cndh"])
def test_every_moroccan_region_has_one_office_named_in_every_language(
    institution_id: str,
) -> None:
    institution = SEED.institutions[institution_id]

    assert sorted(offices_by_region(institution_id)) == MOROCCAN_REGIONS
    assert len(institution.offices) == 12
    for office in institution.offices:
        assert set(office.names) == NAME_KEYS, office.id
        assert all(name.strip() for name in office.names.values()), office.id
        assert re.search(r"[\u0600-\u06FF]", office.names["ar"]), office.id
    # The offices that existed before keep their ids: cases and clients refer to them.
    assert {
        offices_by_region(institution_id)["MA-01"],
        offices_by_region(institution_id)["MA-06"],
    } == {
        f"{institution_id}-tanger-tetouan-al-hoceima",
        f"{institution_id}-casablanca-settat",
    }


@pytest.mark.parametrize("region", MOROCCAN_REGIONS)
def test_maladministration_in_each_region_goes_to_that_regions_delegation(
    region: str, facts: Facts
) -> None:
    decision = decide(facts(respondent_type="local-authority", respondent_territory=region), SEED)

    assert decision.outcome is RoutingOutcome.COMPETENT
    assert decision.lead is not None
    assert decision.lead.institution_id == "ma-mediateur"
    assert decision.lead.office_id == offices_by_region("ma-mediateur")[region]
    assert decision.associated == ()


@pytest.mark.parametrize("region", MOROCCAN_REGIONS)
def test_human_rights_in_each_region_go_to_that_regions_commission(
    region: str, facts: Facts
) -> None:
    decision = decide(
        facts(
            category="human-rights", respondent_type="public-official", respondent_territory=region
        ),
        SEED,
    )

    assert decision.lead is not None
    assert (decision.lead.institution_id, decision.lead.office_id) == (
        "ma-cndh",
        offices_by_region("ma-cndh")[region],
    )


def test_the_marrakech_safi_offices_are_named_in_the_complainants_language(facts: Facts) -> None:
    in_arabic = decide(facts(respondent_territory="MA-07", language="ar"), SEED)
    in_french = decide(facts(respondent_territory="MA-07", language="fr"), SEED)

    assert in_arabic.lead is not None and in_french.lead is not None
    assert in_arabic.lead.office_name == "المندوبية الجهوية لمراكش-آسفي"
    assert in_french.lead.office_name == "Délégation régionale de Marrakech-Safi"


def test_the_german_speaking_community_is_the_one_territory_iso_does_not_code() -> None:
    codes = set(SEED.territory_chains)

    assert SEED.territory_chains["BE-DG"] == ("BE-DG", "BE-WLG", "BE-WAL", "BE")
    assert all(re.fullmatch(TERRITORY_PATTERN, code) for code in codes)
    assert {lang: SEED.territory_name("BE-DG", lang) for lang in ("fr", "en", "nl", "de")} == {
        "fr": "Communauté germanophone",
        "en": "German-speaking Community",
        "nl": "Duitstalige Gemeenschap",
        "de": "Deutschsprachige Gemeinschaft",
    }
    assert re.search(r"[\u0600-\u06FF]", SEED.territory_name("BE-DG", "ar"))
    assert "BE-DG" in SEED.to_dict()["conventions"]


@pytest.mark.parametrize(
    ("language", "words"),
    [("de", "deutschsprachig"), ("fr", "germanophone"), ("en", "German-speaking")],
)
def test_the_community_ombudsman_is_named_for_the_community_in(language: str, words: str) -> None:
    ombudsman = SEED.institutions["be-ostbelgien"]

    assert words.casefold() in ombudsman.name(language).casefold()
    assert ombudsman.territory == "BE-DG"
    assert ombudsman.languages[0] == "de"


@pytest.mark.parametrize("language", ["fr", "de", "en"])
def test_the_afa_is_named_an_anti_corruption_agency_in(language: str) -> None:
    afa = SEED.institutions["fr-afa"]

    assert "anticorruption" in re.sub(r"[\s-]", "", afa.name(language)).casefold()
    assert afa.offices == ()
    assert afa.languages == ("fr",)


@pytest.mark.parametrize("institution_id", ["be-ostbelgien", "fr-afa"])
def test_the_new_institutions_promise_service_standards(institution_id: str) -> None:
    standards = SEED.institutions[institution_id].service_standards

    assert 0 < standards.acknowledge_days <= standards.admissibility_days <= standards.resolve_days


def test_a_community_administration_in_be_dg_is_never_shared_with_the_walloon_ombudsman(
    facts: Facts,
) -> None:
    for respondent_type in ("regional-administration", "public-enterprise", "local-authority"):
        decision = decide(
            facts(respondent_type=respondent_type, respondent_territory="BE-DG"), SEED
        )

        assert [c.institution_id for c in decision.competent] == ["be-ostbelgien"]
    walloon = decide(
        facts(respondent_type="regional-administration", respondent_territory="BE-WAL"), SEED
    )
    assert [c.institution_id for c in walloon.competent] == ["be-wallonie"]
    assert walloon.excluding_rules == ()


@pytest.mark.parametrize(
    ("changes", "competent"),
    [
        ({"complainant_role": "public-official"}, ["fr-afa", "fr-ddd"]),
        ({"complainant_role": "ngo"}, ["fr-afa"]),
        ({"complainant_role": "ngo", "respondent_type": "public-official"}, ["fr-afa"]),
        ({"complainant_role": "ngo", "respondent_type": "private-company"}, ["fr-afa"]),
        ({"complainant_role": "citizen"}, []),
        ({"complainant_role": "ngo", "category": "integrity"}, []),
        ({"complainant_role": "ngo", "respondent_territory": "MA"}, ["ma-inpplc"]),
    ],
)
def test_the_afa_receives_reports_of_corruption_in_france_from_whistleblowers_and_ngos(
    changes: dict[str, Any], competent: list[str], facts: Facts
) -> None:
    given: dict[str, Any] = {
        "category": "corruption",
        "respondent_type": "public-enterprise",
        "respondent_territory": "FR-IDF",
    }
    decision = decide(facts(**(given | changes)), SEED)

    assert [c.institution_id for c in decision.competent] == competent


def test_a_citizen_reporting_corruption_in_france_is_still_sent_to_the_prosecutor(
    facts: Facts,
) -> None:
    decision = decide(
        facts(category="corruption", respondent_type="local-authority", respondent_territory="FR"),
        SEED,
    )

    assert (decision.outcome, decision.advice) == (RoutingOutcome.NOT_COMPETENT, "fr-prosecutor")


@pytest.mark.parametrize(
    ("territory", "path"),
    [
        ("MA-CAS", ("MA", "MA-06", "MA-CAS")),
        (" ma-07 ", ("MA", "MA-07")),
        ("MA", ("MA",)),
        ("BE-DG", ("BE", "BE-WAL", "BE-WLG", "BE-DG")),
        ("MA-99", ("MA", "MA-99")),
        ("DE-BY", ("DE", "DE-BY")),
        ("ZZ", ("ZZ",)),
    ],
)
def test_a_territory_path_runs_from_the_country_down_as_far_as_is_known(
    territory: str, path: tuple[str, ...]
) -> None:
    assert SEED.territory_path(territory) == path


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ICPC", ["ma-inpplc"]),
        ("icpc", ["ma-inpplc"]),
        ("Instance centrale de prevention", ["ma-inpplc"]),
        ("الهيئة المركزية للوقاية", ["ma-inpplc"]),
        ("INPPLC", ["ma-inpplc"]),
        ("mediateur royaume", ["ma-mediateur"]),
        ("MÉDIATEUR DU ROYAUME", ["ma-mediateur"]),
        ("anticorruption", ["fr-afa"]),
        ("Anti-Corruption", ["fr-afa"]),
        ("anti corruption", ["fr-afa", "ma-inpplc"]),
        ("deutschsprachig", ["be-ostbelgien"]),
        ("Marrakech", ["ma-cndh", "ma-mediateur"]),
        ("Laayoune", ["ma-cndh", "ma-mediateur"]),
        ("nobody-of-that-name", []),
    ],
)
def test_a_search_finds_institutions_by_any_name_they_had_or_have(
    query: str, found: list[str]
) -> None:
    assert [institution.id for institution in search(SEED, query)] == found


def test_without_a_query_every_institution_is_found_by_id() -> None:
    found = [institution.id for institution in search(SEED, None)]

    assert found == sorted(SEED.institutions)
    assert len(found) == 12


def test_folding_ignores_case_accents_marks_and_separators() -> None:
    assert folded("Délégation régionale de Drâa-Tafilalet") == "delegationregionalededraatafilalet"
    assert folded("Laâyoune") == folded("LAAYOUNE")
    assert folded("Straße") == "strasse"


def test_the_former_name_is_kept_with_the_institution() -> None:
    assert any("ICPC" in name for name in SEED.institutions["ma-inpplc"].former_names)
    assert SEED.institutions["ma-mediateur"].former_names == ()


def guide_answers(**changes: Any) -> GuideAnswers:
    base: dict[str, Any] = {
        "category": "maladministration",
        "respondent_type": "local-authority",
        "territory": "MA-07",
        "complainant_role": "citizen",
        "administration_contacted": True,
        "court_case_pending": False,
    }
    return GuideAnswers.model_validate(base | changes)


@pytest.mark.parametrize(
    ("changes", "language", "lead", "office", "associated"),
    [
        ({}, "fr", "ma-mediateur", "ma-mediateur-marrakech-safi", []),
        ({"territory": "MA-11"}, "ar", "ma-mediateur", "ma-mediateur-laayoune-sakia-el-hamra", []),
        (
            {"category": "human-rights", "territory": "MA-02"},
            "ar",
            "ma-cndh",
            "ma-cndh-oriental",
            [],
        ),
        (
            {"respondent_type": "regional-administration", "territory": "BE-DG"},
            "de",
            "be-ostbelgien",
            None,
            [],
        ),
        (
            {"category": "corruption", "territory": "FR", "complainant_role": "public-official"},
            "fr",
            "fr-afa",
            None,
            ["fr-ddd"],
        ),
    ],
)
def test_the_guide_ends_at_the_new_institutions_and_offices(
    changes: dict[str, Any],
    language: Language,
    lead: str,
    office: str | None,
    associated: list[str],
) -> None:
    result = answer(guide_answers(**changes), SEED, language)

    assert result.outcome is RoutingOutcome.COMPETENT
    assert [(i.institution_id, i.role) for i in result.institutions] == [
        (lead, "lead"),
        *((other, "associated") for other in associated),
    ]
    assert result.institutions[0].office_id == office
    assert result.institutions[0].name in result.explanation


def test_the_guide_offers_the_german_speaking_community_inside_liege() -> None:
    guide = questions(SEED, "de")
    region = next(q for q in guide.questions if q.id == "region")
    labels = {o.value: o.label for o in region.options}

    assert labels["BE-DG"] == "Wallonische Region — Lüttich — Deutschsprachige Gemeinschaft"
    assert next(o for o in region.options if o.value == "BE-DG").country == "BE"
