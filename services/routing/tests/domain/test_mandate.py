"""A mandate: its problems, each pointing at its rule, its entity tag, and replacing it."""

from __future__ import annotations

from typing import Any

import pytest

from routing.domain import (
    MandateProblem,
    MandateRejected,
    StaleMandate,
    UnknownInstitution,
    load_seed_registry,
    mandate_etag,
    mandate_of,
    validate_mandate,
)
from routing.domain.mandate import require_unchanged, with_mandate

SEED = load_seed_registry()


def rule(identifier: str, **changes: Any) -> dict[str, Any]:
    """A sound rule over Morocco, changed where a test says."""
    return {
        "id": identifier,
        "priority": 10,
        "categories": ["corruption", "maladministration"],
        "respondent_types": ["local-authority"],
        "territories": ["MA"],
        "complainant_roles": ["citizen"],
    } | changes


def test_the_seed_mandates_are_sound() -> None:
    for declared in SEED.to_dict()["institutions"]:
        assert validate_mandate(declared["rules"]) == [], declared["id"]


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

    assert any(problem in p.message for p in problems), problems
    assert {p.field for p in problems} == {"rules[0]"}


def test_validate_mandate_accepts_a_sound_rule_and_reports_duplicates() -> None:
    assert validate_mandate([rule("r")]) == []
    assert validate_mandate([rule("r"), rule("r")]) == [
        MandateProblem("rules[0]", "rule 'r' is declared twice")
    ]


def test_each_problem_points_at_the_rule_it_is_about() -> None:
    problems = validate_mandate(
        [
            rule("fine"),
            rule("nowhere", territories=["MA-99"]),
            {"id": "Not An Id", "categories": []},
            rule("fine"),
        ]
    )

    assert MandateProblem("rules[0]", "rule 'fine' is declared twice") in problems
    assert MandateProblem("rules[1]", "rule 'nowhere': unknown territory 'MA-99'") in problems
    unreadable = [p.message for p in problems if p.field == "rules[2]"]
    assert unreadable
    assert all(message.startswith("rule #2: ") for message in unreadable)
    assert {p.field for p in problems} == {"rules[0]", "rules[1]", "rules[2]"}


def test_the_entity_tag_ignores_the_order_of_the_rules_but_not_their_content() -> None:
    rules = [rule("a"), rule("b")]

    assert mandate_etag(rules) == mandate_etag(list(reversed(rules)))
    assert mandate_etag(rules) != mandate_etag([rule("a"), rule("b", priority=11)])
    assert mandate_etag(rules).startswith('"')


def test_a_change_must_name_the_mandate_as_it_is_now() -> None:
    etag = mandate_etag(mandate_of(SEED, "ma-cndp"))

    require_unchanged(SEED, "ma-cndp", etag)
    require_unchanged(SEED, "ma-cndp", "*")
    require_unchanged(SEED, "ma-cndp", None)
    with pytest.raises(StaleMandate):
        require_unchanged(SEED, "ma-cndp", mandate_etag([rule("other")]))
    with pytest.raises(UnknownInstitution):
        require_unchanged(SEED, "xx-nobody", None)


def test_a_new_mandate_makes_a_new_registry_and_leaves_the_old_one_as_it_was() -> None:
    before = mandate_of(SEED, "ma-cndp")
    widened = [r | {"priority": 21} for r in before]

    changed = with_mandate(SEED, "ma-cndp", widened)

    assert changed.version != SEED.version
    assert mandate_of(changed, "ma-cndp") == widened
    assert mandate_of(SEED, "ma-cndp") == before
    with pytest.raises(MandateRejected) as rejected:
        with_mandate(SEED, "ma-cndp", [rule("r", territories=["XX"])])
    assert [p.field for p in rejected.value.problems] == ["rules"]
