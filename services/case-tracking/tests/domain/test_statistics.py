"""A month's published tables, recomputed by hand from small populations of cases."""

from dataclasses import replace
from datetime import UTC, datetime

from case_tracking.domain.statistics import (
    CaseFact,
    KeptPromise,
    days_between,
    first_unpublished,
    month_of,
    month_start,
    months_with_figures,
    published,
    running_figure,
    territory_path,
)
from case_tracking.domain.statistics.tables import percentile
from nowrongdoor.contracts.statistics import CountTable, Statistics
from nowrongdoor.contracts.vocabulary import ServiceStandard

MONTH = "2026-11"
BASE = CaseFact(
    institution="ma-mediateur",
    office="none",
    category="maladministration",
    respondent_type="local-authority",
    territory_path=("MA", "MA-06"),
    channel="web",
    received_month=MONTH,
)


def many(count: int, **changes: object) -> list[CaseFact]:
    return [replace(BASE, **changes) for _ in range(count)]  # type: ignore[arg-type]


def table(figures: Statistics, table_id: str) -> CountTable:
    return next(t for t in figures.counts if t.id == table_id)


def cells(figures: Statistics, table_id: str) -> dict[tuple[str, ...], int | None]:
    return {tuple(row.values.values()): row.count for row in table(figures, table_id).rows}


def test_counts_by_institution_withhold_a_small_one_and_the_next_smallest_beside_it() -> None:
    facts = [
        *many(6),
        *many(5, institution="ma-cndh", category="human-rights"),
        *many(2, institution="fr-ddd", category="discrimination", territory_path=("FR",)),
    ]

    figures = published(facts, MONTH)

    assert figures is not None
    # 2 is under the threshold; with it alone withheld, 13 - 6 - 5 would give it away.
    assert cells(figures, "received-by-institution") == {
        ("fr-ddd",): None,
        ("ma-cndh",): None,
        ("ma-mediateur",): 6,
        ("all",): 13,
    }
    by_category = cells(figures, "received-by-institution-and-category")
    assert by_category[("ma-mediateur", "maladministration")] == 6
    assert by_category[("ma-mediateur", "all")] == 6
    assert by_category[("all", "maladministration")] == 6
    assert by_category[("fr-ddd", "discrimination")] is None
    assert by_category[("ma-cndh", "all")] is None  # the same cell as in the first table
    assert by_category[("all", "all")] == 13
    rows = table(figures, "received-by-institution").rows
    assert [row.suppressed for row in rows] == [True, True, False, False]


def test_nothing_is_withheld_when_no_count_is_small() -> None:
    facts = [*many(6), *many(5, institution="ma-cndh")]

    figures = published(facts, MONTH)

    assert figures is not None
    for counted in figures.counts:
        assert all(not row.suppressed and row.count is not None for row in counted.rows)


def test_a_complaint_placed_no_deeper_counts_under_its_deepest_territory() -> None:
    facts = [
        *many(5, territory_path=("MA",)),
        *many(6, territory_path=("MA", "MA-06", "MA-CAS")),
        *many(7, territory_path=("MA", "MA-06")),
    ]

    figures = published(facts, MONTH)

    assert figures is not None
    assert cells(figures, "received-by-institution-and-territory-1")[("all", "MA")] == 18
    assert cells(figures, "received-by-institution-and-territory-2")[("all", "MA")] == 5
    assert cells(figures, "received-by-institution-and-territory-2")[("all", "MA-06")] == 13
    level_3 = cells(figures, "received-by-institution-and-territory-3")
    assert (level_3[("all", "MA")], level_3[("all", "MA-06")], level_3[("all", "MA-CAS")]) == (
        5,
        7,
        6,
    )
    assert [
        t.level for t in figures.counts if t.id.startswith("received-by-institution-and-t")
    ] == [1, 2, 3, 4]


def test_the_fourth_level_is_published_nested_under_its_parent() -> None:
    # The German-speaking Community (BE-DG) lies within Wallonia (BE-WLG).
    facts = [
        *many(6, institution="be-dg-ombudsman", territory_path=("BE", "BE-WAL", "BE-WLG", "BE-DG")),
        *many(5, institution="be-dg-ombudsman", territory_path=("BE", "BE-WAL", "BE-WLG")),
    ]

    figures = published(facts, MONTH)

    assert figures is not None
    level_3 = cells(figures, "received-by-institution-and-territory-3")
    level_4 = cells(figures, "received-by-institution-and-territory-4")
    assert level_3[("be-dg-ombudsman", "BE-WLG")] == 11
    assert level_4[("be-dg-ombudsman", "BE-DG")] == 6
    assert level_4[("be-dg-ombudsman", "BE-WLG")] == 5  # placed no deeper than its parent
    assert table(figures, "received-by-institution-and-territory-4").level == 4


def test_closed_cases_are_counted_by_outcome_and_advice_under_no_institution() -> None:
    facts = [
        *many(5, ended_month=MONTH, outcome="upheld", end_days=30.0),
        *many(6, ended_month=MONTH, outcome="none", end_days=2.0),
        *many(5, institution="none", ended_month=MONTH, outcome="none", end_days=0.0),
        *many(4, ended_month="2026-12", outcome="upheld"),
    ]

    figures = published(facts, MONTH)

    assert figures is not None
    assert cells(figures, "closed-by-institution") == {
        ("ma-mediateur",): 11,
        ("none",): 5,
        ("all",): 16,
    }
    outcomes = cells(figures, "closed-by-institution-and-outcome")
    assert outcomes[("ma-mediateur", "upheld")] == 5
    assert outcomes[("all", "none")] == 11
    # Advice is no institution's closure: the network's time to close leaves it out.
    close = {t.institution: t for t in figures.timings if t.step == "close"}
    assert close["all"].cases_measured == 11
    assert close["all"].median_days == 2.0


def test_times_are_the_median_and_90th_percentile_of_the_cases_that_took_the_step() -> None:
    days = [1.0, 2.0, 3.0, 4.0, 10.0, 1.0, 2.0, 3.0, 4.0, 10.0]
    facts = [replace(BASE, acknowledged_month=MONTH, acknowledge_days=taken) for taken in days]
    facts += many(3, institution="ma-cndh", acknowledged_month=MONTH, acknowledge_days=1.0)
    facts += many(4, institution="fr-ddd", acknowledged_month=MONTH, acknowledge_days=8.0)

    figures = published(facts, MONTH)

    assert figures is not None
    acknowledge = {t.institution: t for t in figures.timings if t.step == "acknowledge"}
    assert acknowledge["ma-mediateur"].cases_measured == 10
    assert acknowledge["ma-mediateur"].median_days == 3.0
    assert acknowledge["ma-mediateur"].p90_days == 10.0  # between the ninth and the tenth, both 10
    # Three cases and four are too few; together they are seven: either could be five or six.
    assert acknowledge["ma-cndh"].suppressed and acknowledge["ma-cndh"].median_days is None
    assert acknowledge["fr-ddd"].suppressed and acknowledge["fr-ddd"].cases_measured is None
    assert (acknowledge["all"].cases_measured, acknowledge["all"].median_days) == (17, 3.0)


def test_times_from_fewer_than_ten_cases_are_not_published_though_their_number_is() -> None:
    facts = many(9, acknowledged_month=MONTH, acknowledge_days=4.0)

    figures = published(facts, MONTH)

    assert figures is not None
    acknowledge = {t.institution: t for t in figures.timings if t.step == "acknowledge"}
    mediateur = acknowledge["ma-mediateur"]
    assert (mediateur.cases_measured, mediateur.suppressed) == (9, False)
    assert mediateur.median_days is None and mediateur.p90_days is None


def test_times_are_published_in_whole_days() -> None:
    days = [0.4, 0.6, 1.2, 1.4, 2.5, 2.5, 3.3, 3.7, 8.1, 9.9]
    facts = [replace(BASE, acknowledged_month=MONTH, acknowledge_days=taken) for taken in days]

    figures = published(facts, MONTH)

    assert figures is not None
    [mediateur, _] = [t for t in figures.timings if t.step == "acknowledge"]
    assert mediateur.median_days == 3.0  # 2.5 days, to the whole day
    assert mediateur.p90_days == 8.0  # 8.1 + (9.9 - 8.1) * 0.1 = 8.28
    assert percentile([2.4], 0.5) == 2.0 and percentile([2.5], 0.5) == 3.0


def test_the_share_of_promises_kept_is_withheld_when_it_would_tell_a_small_number() -> None:
    def promised(kept: bool) -> tuple[KeptPromise, ...]:
        return (KeptPromise(ServiceStandard.ACKNOWLEDGE, MONTH, kept),)

    facts = [
        *many(8, promises=promised(True)),
        *many(5, promises=promised(False)),
        *many(7, institution="ma-cndh", promises=promised(True)),
        *many(2, institution="ma-cndh", promises=promised(False)),
        *many(6, institution="fr-ddd", promises=promised(True)),
    ]

    figures = published(facts, MONTH)

    assert figures is not None
    rows = {row.institution: row for row in figures.promises}
    assert (rows["ma-mediateur"].promises_due, rows["ma-mediateur"].kept_share) == (13, 0.615)
    assert rows["ma-cndh"].suppressed and rows["ma-cndh"].kept_share is None
    assert (rows["fr-ddd"].promises_due, rows["fr-ddd"].kept_share) == (6, 1.0)


def test_a_month_with_nothing_received_or_closed_has_no_statistics() -> None:
    assert published(many(5), "2026-10") is None
    assert months_with_figures([*many(1), *many(1, ended_month="2027-01")]) == [
        "2026-11",
        "2027-01",
    ]


def test_territory_paths_fall_back_to_the_country_and_the_code() -> None:
    assert territory_path("MA-06") == ("MA", "MA-06")
    assert territory_path("BE") == ("BE",)
    assert territory_path(None) == ()
    assert territory_path("MA-06", ["MA", "MA-06", "MA-CAS"]) == ("MA", "MA-06", "MA-CAS")


def test_months_and_days_say_no_more_than_they_must() -> None:
    start = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert month_of(start) == "2026-11"
    assert days_between(start, datetime(2026, 12, 2, 11, 0, tzinfo=UTC)) == 1.5
    assert percentile([2.0], 0.9) == 2.0
    assert percentile([1.5, 2.0], 0.5) == 2.0  # 1.75, in whole days


def test_a_month_is_held_back_until_the_day_after_it_ends() -> None:
    assert first_unpublished(datetime(2026, 11, 20, tzinfo=UTC)) == "2026-11"
    assert first_unpublished(datetime(2026, 12, 1, 23, 59, tzinfo=UTC)) == "2026-11"
    assert first_unpublished(datetime(2026, 12, 2, tzinfo=UTC)) == "2026-12"
    assert month_start(datetime(2026, 12, 4, 15, 30, tzinfo=UTC)) == datetime(
        2026, 12, 1, tzinfo=UTC
    )


def test_the_running_figure_moves_only_every_five_complaints() -> None:
    assert [running_figure(received) for received in (0, 1, 4, 5, 9, 10, 14, 123)] == [
        None,
        None,
        None,
        5,
        5,
        10,
        10,
        120,
    ]
