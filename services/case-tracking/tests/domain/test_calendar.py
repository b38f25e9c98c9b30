"""Business days: weekends and each country's public holidays are not counted, each day being
a day of the country's own time zone."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from case_tracking.domain.calendar import TIME_ZONES, BusinessCalendar, calendar_for, latest_day

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


@pytest.mark.parametrize(
    ("country", "zone"),
    [("MA", "Africa/Casablanca"), ("BE", "Europe/Brussels"), ("FR", "Europe/Paris")],
)
def test_each_country_counts_its_days_in_its_own_time_zone(country: str, zone: str) -> None:
    assert calendar_for(country).zone == ZoneInfo(zone)
    assert TIME_ZONES[country] == zone


@pytest.mark.parametrize("country", ["MA", "BE", "FR"])
def test_an_instant_belongs_to_the_day_it_is_in_the_country(country: str) -> None:
    calendar = calendar_for(country)
    # 23:30 UTC on Friday 4 December is 00:30 on Saturday in Casablanca, Brussels and Paris.
    just_after_midnight = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    late_friday_evening = datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo(TIME_ZONES[country]))

    assert calendar.day_of(just_after_midnight) == SATURDAY
    assert calendar.day_of(late_friday_evening) == FRIDAY
    assert calendar.day_of(late_friday_evening.astimezone(UTC)) == FRIDAY
    assert calendar.day_of(datetime(2026, 12, 4, 22, 59, tzinfo=UTC)) == FRIDAY


def test_summer_time_moves_the_end_of_the_day() -> None:
    # Brussels and Paris are two hours ahead in July; Morocco stays one hour ahead of UTC.
    at = datetime(2026, 7, 20, 22, 30, tzinfo=UTC)

    assert calendar_for("BE").day_of(at) == date(2026, 7, 21)
    assert calendar_for("FR").day_of(at) == date(2026, 7, 21)
    assert calendar_for("MA").day_of(at) == date(2026, 7, 20)


def test_an_instant_without_a_zone_belongs_to_no_day() -> None:
    with pytest.raises(ValueError, match="time zone"):
        calendar_for("FR").day_of(datetime(2026, 12, 4, 12, 0))


def test_a_country_with_holidays_but_no_known_time_zone_has_no_calendar() -> None:
    with pytest.raises(ValueError, match="No time zone is known for country 'DE'"):
        BusinessCalendar("DE")


def test_no_local_day_is_later_than_the_latest_day() -> None:
    assert latest_day(datetime(2026, 12, 4, 9, 59, tzinfo=UTC)) == FRIDAY
    assert latest_day(datetime(2026, 12, 4, 10, 0, tzinfo=UTC)) == SATURDAY  # UTC+14's midnight
    assert latest_day(datetime(2026, 12, 4, 5, 0, tzinfo=timezone(timedelta(hours=-5)))) == (
        SATURDAY  # 10:00 UTC
    )
    for country in TIME_ZONES:
        late = datetime(2026, 12, 4, 23, 59, tzinfo=UTC)
        assert calendar_for(country).day_of(late) <= latest_day(late)


@pytest.mark.parametrize(
    ("country", "eve", "holiday", "after"),
    [
        ("MA", date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19)),  # Independence Day
        ("BE", date(2026, 7, 20), date(2026, 7, 21), date(2026, 7, 22)),  # National Day
        ("FR", date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28)),  # Christmas, Friday
    ],
)
def test_the_next_business_day_after_the_eve_of_a_holiday_skips_it(
    country: str, eve: date, holiday: date, after: date
) -> None:
    calendar = calendar_for(country)

    assert not calendar.is_business_day(holiday)
    assert calendar.add_business_days(eve, 1) == after


def test_an_institution_s_own_closing_days_make_a_calendar_of_their_own() -> None:
    bridge_day = MONDAY
    closed = calendar_for("BE", frozenset({bridge_day}))

    assert closed is calendar_for("BE", frozenset({bridge_day}))
    assert closed is not calendar_for("BE")
    assert closed.add_business_days(FRIDAY, 1) == date(2026, 12, 8)
    assert calendar_for("BE").add_business_days(FRIDAY, 1) == MONDAY
    assert calendar_for("BE", working_days=frozenset({SATURDAY})).add_business_days(FRIDAY, 1) == (
        SATURDAY
    )


@pytest.mark.parametrize("country", ["MA", "BE", "FR"])
def test_the_next_day_begins_at_the_country_s_midnight(country: str) -> None:
    calendar = calendar_for(country)
    # All three are an hour ahead of UTC in December: Saturday begins at 23:00 UTC on Friday.
    saturday = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)

    assert calendar.next_day_start(datetime(2026, 12, 4, 9, 0, tzinfo=UTC)) == saturday
    assert calendar.next_day_start(datetime(2026, 12, 4, 22, 59, 59, tzinfo=UTC)) == saturday
    assert calendar.next_day_start(saturday) == datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
    assert calendar.next_day_start(saturday).tzinfo is UTC


def test_the_next_day_begins_at_the_same_instant_whatever_offset_asks() -> None:
    brussels = calendar_for("BE")
    asked_in_utc = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    asked_in_new_york = asked_in_utc.astimezone(ZoneInfo("America/New_York"))

    assert brussels.next_day_start(asked_in_new_york) == brussels.next_day_start(asked_in_utc)


def test_a_day_on_which_the_clocks_change_is_shorter_or_longer() -> None:
    brussels = calendar_for("BE")
    # Summer time begins on Sunday 28 March 2027 and ends on Sunday 31 October 2027.
    spring_forward_begins = brussels.next_day_start(datetime(2027, 3, 27, 12, tzinfo=UTC))
    spring_forward_ends = brussels.next_day_start(datetime(2027, 3, 28, 12, tzinfo=UTC))
    fall_back_begins = brussels.next_day_start(datetime(2027, 10, 30, 12, tzinfo=UTC))
    fall_back_ends = brussels.next_day_start(datetime(2027, 10, 31, 12, tzinfo=UTC))

    assert spring_forward_begins == datetime(2027, 3, 27, 23, tzinfo=UTC)
    assert spring_forward_ends == datetime(2027, 3, 28, 22, tzinfo=UTC)
    assert spring_forward_ends - spring_forward_begins == timedelta(hours=23)
    assert fall_back_begins == datetime(2027, 10, 30, 22, tzinfo=UTC)
    assert fall_back_ends == datetime(2027, 10, 31, 23, tzinfo=UTC)
    assert fall_back_ends - fall_back_begins == timedelta(hours=25)


def test_morocco_s_days_follow_its_clock_through_ramadan() -> None:
    morocco = calendar_for("MA")
    # Morocco is an hour ahead of UTC, except from 7 February to 14 March 2027, during Ramadan.
    ramadan_begins = morocco.next_day_start(datetime(2027, 2, 6, 12, tzinfo=UTC))
    first_day_ends = morocco.next_day_start(datetime(2027, 2, 7, 12, tzinfo=UTC))
    last_day_begins = morocco.next_day_start(datetime(2027, 3, 13, 12, tzinfo=UTC))
    last_day_ends = morocco.next_day_start(datetime(2027, 3, 14, 12, tzinfo=UTC))

    assert ramadan_begins == datetime(2027, 2, 6, 23, tzinfo=UTC)
    assert first_day_ends == datetime(2027, 2, 8, 0, tzinfo=UTC)
    assert first_day_ends - ramadan_begins == timedelta(hours=25)
    assert last_day_begins == datetime(2027, 3, 14, 0, tzinfo=UTC)
    assert last_day_ends == datetime(2027, 3, 14, 23, tzinfo=UTC)
    assert morocco.next_day_start(datetime(2027, 3, 14, 23, tzinfo=UTC)) == datetime(
        2027, 3, 15, 23, tzinfo=UTC
    )


def test_an_instant_without_a_zone_has_no_next_day() -> None:
    with pytest.raises(ValueError, match="time zone"):
        calendar_for("BE").next_day_start(datetime(2026, 12, 4, 12, 0))
