"""How long personal data is kept: per institution, the longest for a joint case."""

from datetime import UTC, datetime

from intake.domain.retention import RetentionPolicy

POLICY = RetentionPolicy(default_days=365, days_by_institution={"ma-cndh": 730, "be-unia": 90})


def test_each_institution_keeps_as_long_as_it_says_and_a_joint_case_the_longest() -> None:
    assert POLICY.days_for(["be-unia"]) == 90
    assert POLICY.days_for(["ma-mediateur"]) == 365
    assert POLICY.days_for(["be-unia", "ma-cndh", "ma-mediateur"]) == 730
    assert POLICY.days_for([]) == 365


def test_the_purge_falls_due_that_many_days_after_closure() -> None:
    closed_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)

    assert POLICY.purge_due_at(closed_at, ["be-unia"]) == datetime(2026, 4, 15, 9, 30, tzinfo=UTC)
    assert POLICY.shortest_days == 90
