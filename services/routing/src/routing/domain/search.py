"""Finding institutions by what a person knows of them: a name, a former name, an office, an id.

A search ignores case, accents (and the marks Arabic may carry) and the spaces, hyphens and
apostrophes between words, so "icpc", "Médiateur royaume" and "anti corruption" find what a
person means. Every word of the query must appear in one of the institution's names in any
language, its former names, its offices' names or the ids.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from routing.domain.registry import Institution, Registry


def folded(text: str) -> str:
    """The text as a search compares it: letters and digits only, without case or accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def searchable_texts(institution: Institution) -> Iterator[str]:
    """Everything a person may know an institution by."""
    yield institution.id
    yield from institution.names.values()
    yield from institution.former_names
    for office in institution.offices:
        yield office.id
        yield from office.names.values()


def matches(institution: Institution, query: str) -> bool:
    """Whether every word of the query is found in what the institution is known by."""
    words = [word for word in map(folded, query.split()) if word]
    texts = [folded(text) for text in searchable_texts(institution)]
    return all(any(word in text for text in texts) for word in words)


def search(registry: Registry, query: str | None) -> list[Institution]:
    """The institutions the query finds, by id; all of them when there is no query."""
    institutions = sorted(registry.institutions.values(), key=lambda i: i.id)
    if query is None:
        return institutions
    return [institution for institution in institutions if matches(institution, query)]
