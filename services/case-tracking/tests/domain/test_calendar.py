"""Business days: weekends and each country's public holidays are not counted."""

from datetime import date

import pytest

from case_tracking.domain.calendar import BusinessCalendar, calendar_for

FRIDAY, SATURDAY, SUNDAY, MONDAY = (
    date(2026, 12, 4),
    date(2026, 12, 5),
    date(2026, 12, 6),
    date(2026, 12, 7),
)


@pytest.mark.parametrize("country", ["MA", "BE", "FR"])
def test_weekends_are_not_business_days(country: str) -> None:
    calendar = calendar_for(country)

    assert calendar.is_business_day(FRIDAY)
    assert not calendar.is_business_day(SATURDAY)
    assert not calendar.is_business_day(SUNDAY)
    assert calendar.add_business_days(FRIDAY, 1) == MONDAY


@pytest.mark.parametrize(
    ("country", "holiday"),
    [
        ("FR", date(2026, 12, 25)),  # Christmas, a Friday
        ("FR", date(2027, 1, 1)),  # New Year's Day, a Friday
        ("BE", date(2026, 7, 21)),  # National Day, a Tuesday
        ("MA", date(2026, 11, 18)),  # Independence Day, a Wednesday
    ],
)
def test_public_holidays_are_not_business_days(country: str, holiday: date) -> None:
    assert not calendar_for(country).is_business_day(holiday)


def test_each_country_keeps_its_own_holidays() -> None:
    belgian_national_day = date(2026, 7, 21)

    assert calendar_for("FR").is_business_day(belgian_national_day)
    assert calendar_for("MA").is_business_day(belgian_national_day)


def test_adding_business_days_skips_a_holiday_and_the_weekend_after_it() -> None:
    france = calendar_for("FR")
    christmas_eve = date(2026, 12, 24)  # Thursday; Friday is Christmas

    assert france.add_business_days(christmas_eve, 0) == christmas_eve
    assert france.add_business_days(christmas_eve, 1) == date(2026, 12, 28)
    assert france.add_business_days(christmas_eve, 5) == date(2027, 1, 4)  # 1 Jan skipped too
    assert france.add_business_days(SATURDAY, 1) == MONDAY
    with pytest.raises(ValueError, match="forward"):
        france.add_business_days(christmas_eve, -1)


def test_business_days_between_counts_after_the_start_up_to_the_end() -> None:
    france = calendar_for("FR")

    assert france.business_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 5
    assert france.business_days_between(FRIDAY, MONDAY) == 1
    assert france.business_days_between(MONDAY, MONDAY) == 0
    assert france.business_days_between(MONDAY, FRIDAY) == 0


def test_an_unknown_country_is_refused() -> None:
    with pytest.raises(ValueError, match="'XX'"):
        calendar_for("XX")
    with pytest.raises(ValueError, match="'ZZ'"):
        BusinessCalendar("ZZ")


def test_calendars_are_built_once_per_country() -> None:
    assert calendar_for("MA") is calendar_for("MA")
    assert calendar_for("ma").country == "MA"


def test_extra_holidays_and_working_days_override_the_library() -> None:
    bridge_day = MONDAY
    independence_day = date(2026, 11, 18)
    calendar = BusinessCalendar(
        "MA", extra_holidays=[bridge_day], working_days=[SATURDAY, independence_day]
    )

    assert not calendar.is_business_day(bridge_day)
    assert calendar.is_business_day(SATURDAY)
    assert calendar.is_business_day(independence_day)
    assert calendar.add_business_days(FRIDAY, 2) == date(2026, 12, 8)  # Saturday, then Tuesday
    assert calendar_for("MA").is_business_day(bridge_day)  # the shared calendar is untouched
