"""The catalogue check: every text of the pages is translated into every language, with the
same placeholders and markup. A message missing in one language fails the build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from gateway.languages import LANGUAGES
from gateway.pages.i18n import SOURCE_LANGUAGE

GATEWAY = Path(__file__).resolve().parents[2]
LOCALE = GATEWAY / "src" / "gateway" / "pages" / "locale"
# As `make messages` extracts them: `translate(language, message)` names its message second.
KEYWORDS = DEFAULT_KEYWORDS | {"translate": (2,)}
PLACEHOLDER = re.compile(r"%\(\w+\)s")
MARKUP = re.compile(r"<[^>]+>")


def source_messages() -> set[str | tuple[str, str]]:
    with (GATEWAY / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: set[str | tuple[str, str]] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(GATEWAY), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def catalogue(language: str) -> Catalog:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


TRANSLATED = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]


def test_the_source_has_texts_to_translate() -> None:
    assert len(source_messages()) > 100


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    translations = catalogue(language)
    missing, fuzzy, empty = [], [], []
    for message in source_messages():
        key = message if isinstance(message, str) else message[0]
        entry = translations.get(key)
        if entry is None:
            missing.append(key)
        elif entry.fuzzy:
            fuzzy.append(key)
        elif not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            empty.append(key)
    assert not missing, f"{language}: not in the catalogue (run `make messages`): {missing[:5]}"
    assert not fuzzy, f"{language}: marked fuzzy: {fuzzy[:5]}"
    assert not empty, f"{language}: not translated: {empty[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_and_markup_are_kept(language: str) -> None:
    wrong = []
    for entry in catalogue(language):
        if not entry.id:
            continue
        source = str(entry.id if isinstance(entry.id, str) else entry.id[0])
        for text in entry.string if isinstance(entry.string, tuple) else [entry.string]:
            if not text or not isinstance(text, str):
                continue
            # A plural form may leave the count out ("one second"), never add another.
            same_placeholders = set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(source))
            if isinstance(entry.id, str):
                same_placeholders = sorted(PLACEHOLDER.findall(text)) == sorted(
                    PLACEHOLDER.findall(source)
                )
            if not same_placeholders or sorted(MARKUP.findall(text)) != sorted(
                MARKUP.findall(source)
            ):
                wrong.append(source)
    assert not wrong, f"{language}: placeholders or markup differ: {wrong[:5]}"
