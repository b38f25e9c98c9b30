"""The five languages of the pages: choosing one, and the gettext catalogues that speak it.

The catalogues are the `.po` files under `locale/`, compiled in memory by Babel when the gateway
starts, so no binary `.mo` file is kept in the tree.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from importlib import resources
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, dates, numbers, units
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from starlette.convertors import Convertor, register_url_convertor

from gateway.languages import LANGUAGES, preferred_language
from nowrongdoor.contracts.vocabulary import Language

SOURCE_LANGUAGE: Final = "en"
RIGHT_TO_LEFT: Final = frozenset({"ar"})
NATIVE_NAMES: Final = {
    "ar": "العربية",
    "fr": "Français",
    "en": "English",
    "nl": "Nederlands",
    "de": "Deutsch",
}


class LanguageConvertor(Convertor[str]):
    """`{language:lang}` in a page's path matches only the five, so `/v1/...` is never a page."""

    regex = "|".join(LANGUAGES)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("lang", LanguageConvertor())


def api_language(language: str) -> Language:
    """A page's language as the API types it: the pages speak exactly the API's languages."""
    for known in LANGUAGES:
        if known == language:
            return known
    raise ValueError(f"the API does not speak {language!r}")


def negotiate(accept_language: str | None) -> str:
    """The page language for an `Accept-Language` header: the first it prefers that we speak."""
    return preferred_language(accept_language) or SOURCE_LANGUAGE


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue for one language; English is the source and needs none."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    po = resources.files("gateway.pages") / "locale" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


@cache
def _zone(name: str | None) -> tzinfo:
    """The zone of an IANA name; UTC for none, or for one this machine does not know."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


class Formats:
    """Dates and numbers written the way a reader of one language writes them."""

    def __init__(self, language: str) -> None:
        self.locale = Locale.parse(language)

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return ""
        return dates.format_date(value, format="long", locale=self.locale)

    def moment(self, value: datetime | None, zone: str | None = None) -> str:
        """An instant as a clock in `zone` (an IANA name) shows it, the zone named after it
        (`4 déc. 2026, 08:20:00 heure : Belgique`); in UTC, said so, when no zone is known."""
        if value is None:
            return ""
        if value.utcoffset() is None:
            value = value.replace(tzinfo=UTC)  # the services' instants are UTC
        where = _zone(zone)
        shown = dates.format_datetime(value, format="medium", tzinfo=where, locale=self.locale)
        # A place's zone is named by its place; UTC, which has none, by its own name.
        pattern = "VVVV" if isinstance(where, ZoneInfo) else "zzzz"
        named = dates.format_time(value, pattern, tzinfo=where, locale=self.locale)
        return f"{shown} {named}"

    def number(self, value: int | float) -> str:
        return numbers.format_decimal(value, locale=self.locale)

    def size(self, octets: int) -> str:
        """A file's size in kilobytes, rounded up, with the unit as the language writes it."""
        kilobytes = -(-octets // 1024)
        return units.format_unit(kilobytes, "digital-kilobyte", length="short", locale=self.locale)
