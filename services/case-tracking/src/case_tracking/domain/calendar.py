"""Business days of a country: not its weekend, not its public holidays (the `holidays` library)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

import holidays

_DAY = timedelta(days=1)


class BusinessCalendar:
    """The days an institution of one country works; weekends and public holidays are not counted.

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
        self._weekend = frozenset(self._holidays.weekend)
        self._extra_holidays = frozenset(extra_holidays)
        self._working_days = frozenset(working_days)

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.country!r})"

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
def calendar_for(country: str) -> BusinessCalendar:
    """The calendar of a country by its ISO 3166-1 code, built once per code."""
    return BusinessCalendar(country)
