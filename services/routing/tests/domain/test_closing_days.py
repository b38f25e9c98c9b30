"""An institution's business calendar in the directory: its country's holidays and its own closing
days, checked when the directory is read and carried on every decision naming it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from nowrongdoor.contracts.events import ComplaintFacts, ComplaintRouted
from routing.domain import Registry, RegistryError, decide, load_seed_registry
from routing.domain.mandate import mandate_of, with_mandate
from routing.domain.specification import parse_directory

SEED = load_seed_registry()
Facts = Callable[..., ComplaintFacts]
NEW_YEAR_S_EVE = date(2026, 12, 31)


def with_institution(institution_id: str, **declared: Any) -> dict[str, Any]:
    """The seed directory with `declared` added to one institution."""
    document = SEED.to_dict()
    for institution in document["institutions"]:
        if institution["id"] == institution_id:
            institution.update(declared)
    return document


def problems_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(RegistryError) as refused:
        Registry.from_dict(document)
    return refused.value.problems


def test_closing_days_and_a_calendar_are_read_from_the_directory() -> None:
    document = with_institution("be-unia", calendar="FR", closing_days=["2026-12-31", "2026-12-24"])

    [unia] = [i for i in parse_directory(document).institutions if i.id == "be-unia"]
    registry = Registry.from_dict(document)

    assert unia.closing_days == [date(2026, 12, 31), date(2026, 12, 24)]
    assert registry.institutions["be-unia"].calendar == "FR"
    assert registry.institutions["be-unia"].closing_days == (date(2026, 12, 24), NEW_YEAR_S_EVE)
    assert registry.version != SEED.version


def test_without_them_an_institution_keeps_its_territory_s_holidays_and_the_version() -> None:
    undeclared = with_institution("ma-cndh", calendar=None, closing_days=[])

    assert SEED.institutions["ma-mediateur"].calendar == "MA"
    assert SEED.institutions["be-wallonie"].calendar == "BE"
    assert SEED.institutions["fr-ddd"].closing_days == ()
    assert Registry.from_dict(undeclared).version == SEED.version
    assert "closing_days" not in SEED.to_dict()["institutions"][0]


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        (
            {"closing_days": ["next friday"]},
            "closing_days.0",
        ),
        (
            {"closing_days": ["2026-12-31", "2026-12-24", "2026-12-31"]},
            "institution 'ma-cndh': closing day 2026-12-31 is declared twice",
        ),
        (
            {"calendar": "XX"},
            "institution 'ma-cndh': calendar 'XX' is not a country of the directory",
        ),
        (
            {"calendar": "MA-06"},
            "institution 'ma-cndh': calendar 'MA-06' is not a country of the directory",
        ),
    ],
    ids=["not a date", "twice the same day", "unknown country", "not a country"],
)
def test_a_calendar_that_cannot_be_kept_is_refused_with_its_reason(
    declared: dict[str, Any], problem: str
) -> None:
    found = problems_of(with_institution("ma-cndh", **declared))

    assert any(problem in p for p in found), found


def test_a_bad_closing_day_is_named_where_it_is() -> None:
    [problem] = problems_of(with_institution("ma-cndh", closing_days=["2026-02-30"]))

    position = [i["id"] for i in SEED.to_dict()["institutions"]].index("ma-cndh")
    assert problem.startswith(f"institutions.{position}.closing_days.0: ")


def test_the_decision_carries_the_competent_institution_s_calendar(facts: Facts) -> None:
    registry = Registry.from_dict(
        with_institution("ma-mediateur", calendar="FR", closing_days=["2026-12-31"])
    )

    decision = decide(facts(), registry)
    routed = ComplaintRouted.model_validate(
        {
            "reference": "NWD-7K3M9QX2VD4H",
            "decision_id": "d-1",
            "registry_version": decision.registry_version,
            "outcome": decision.outcome,
            "competent": decision.competent,
            "matched_rules": decision.matched_rules,
            "excluding_rules": decision.excluding_rules,
            "language": "fr",
            "received_at": "2026-12-01T09:00:00Z",
            "decided_at": "2026-12-01T09:00:01Z",
        }
    )

    assert decision.lead is not None
    assert (decision.lead.institution_id, decision.lead.calendar) == ("ma-mediateur", "FR")
    assert decision.lead.closing_days == [NEW_YEAR_S_EVE]
    assert routed.model_dump(mode="json")["competent"][0]["closing_days"] == ["2026-12-31"]
    undeclared = decide(facts(), SEED).lead
    assert undeclared is not None
    assert (undeclared.calendar, undeclared.closing_days) == ("MA", [])


def test_changing_a_mandate_keeps_the_institution_s_closing_days(facts: Facts) -> None:
    registry = Registry.from_dict(with_institution("ma-mediateur", closing_days=["2026-12-31"]))
    rules = mandate_of(registry, "ma-mediateur")
    rules[0]["priority"] += 1

    changed = with_mandate(registry, "ma-mediateur", rules)

    assert changed.version != registry.version
    assert changed.institutions["ma-mediateur"].closing_days == (NEW_YEAR_S_EVE,)
    lead = decide(facts(), changed).lead
    assert lead is not None and lead.closing_days == [NEW_YEAR_S_EVE]
