"""Business days of a country, in its own time zone: not its weekend, not its public holidays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

_DAY = timedelta(days=1)

# The zone whose days an institution of each country counts in. A country missing here has no
# calendar: a promised day on the wrong side of midnight would be a wrong promise.
TIME_ZONES: Mapping[str, str] = {
    "MA": "Africa/Casablanca",
    "BE": "Europe/Brussels",
    "FR": "Europe/Paris",
}

# No place on Earth is further ahead of UTC than this (Kiribati's Line Islands).
_FURTHEST_AHEAD = timedelta(hours=14)


class BusinessCalendar:
    """The days an institution of one country works; weekends and public holidays are not counted.

    Every day is a day of the country's time zone: an instant belongs to the day it is there
    (`day_of`), so a complaint received at 23:30 in Brussels counts from that Brussels day.
    Islamic holidays (in Morocco) are the library's estimates; `extra_holidays` adds days off it
    does not know (an announced bridge day) and `working_days` makes a day count again.
    """

    def __init__(
        self,
        country: str,
        *,
        extra_holidays: Iterable[date] = (),
        working_days: Iterable[date] = (),
    ) -> None:
        self.country = country.upper()
        try:
            self._holidays = holidays.country_holidays(self.country)
        except NotImplementedError:
            raise ValueError(f"No public holidays are known for country {country!r}") from None
        if self.country not in TIME_ZONES:
            raise ValueError(f"No time zone is known for country {country!r}")
        self.zone = ZoneInfo(TIME_ZONES[self.country])
        self._weekend = frozenset(self._holidays.weekend)
        self._extra_holidays = frozenset(extra_holidays)
        self._working_days = frozenset(working_days)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.country!r})"

    def day_of(self, at: datetime) -> date:
        """The country's day at the instant `at`, which must carry its offset."""
        if at.utcoffset() is None:
            raise ValueError("An instant without a time zone belongs to no day")
        return at.astimezone(self.zone).date()

    def next_day_start(self, at: datetime) -> datetime:
        """The instant, in UTC, at which the country's next day after the instant `at` begins;
        `at` must carry its offset. A day is shorter or longer when the clocks change."""
        tomorrow = self.day_of(at) + _DAY
        # A midnight the clocks skip is read with the offset before the change: the change itself.
        return datetime.combine(tomorrow, time(), self.zone).astimezone(UTC)

    def is_business_day(self, day: date) -> bool:
        if day in self._working_days:
            return True
        if day.weekday() in self._weekend or day in self._extra_holidays:
            return False
        return day not in self._holidays

    def add_business_days(self, start: date, days: int) -> date:
        """The day `days` business days after `start`, which itself is not counted."""
        if days < 0:
            raise ValueError("Business days are only counted forward")
        day = start
        while days:
            day += _DAY
            if self.is_business_day(day):
                days -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days fall after `start`, up to and including `end`."""
        count, day = 0, start
        while day < end:
            day += _DAY
            if self.is_business_day(day):
                count += 1
        return count


@cache
def calendar_for(
    country: str,
    extra_holidays: frozenset[date] = frozenset(),
    working_days: frozenset[date] = frozenset(),
) -> BusinessCalendar:
    """The calendar of a country by its ISO 3166-1 code, with an institution's own closing and
    opening days if it declares any; built once per combination."""
    return BusinessCalendar(country, extra_holidays=extra_holidays, working_days=working_days)


def latest_day(at: datetime) -> date:
    """The latest day it is anywhere at the instant `at`: no local day is later."""
    return (at.astimezone(UTC) + _FURTHEST_AHEAD).date()
