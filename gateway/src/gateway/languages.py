"""The languages the gateway speaks, and the one a reader prefers among them."""

from __future__ import annotations

from typing import Final, get_args

from nowrongdoor.contracts.vocabulary import Language

LANGUAGES: Final[tuple[Language, ...]] = get_args(Language)


def preferred_language(accept_language: str | None) -> Language | None:
    """The first language of an `Accept-Language` header the platform speaks, by weight and then
    by order; `fr-BE` names French. None when it names none of them."""
    preferred: list[tuple[float, int, Language]] = []
    # A header long enough to be worth ranking in full is not one a reader sent.
    for position, item in enumerate((accept_language or "").split(",")[:32]):
        tag, *parameters = item.split(";")
        base = tag.strip().split("-")[0].lower()
        weight = _weight(parameters)
        for language in LANGUAGES:
            if language == base and weight > 0:
                preferred.append((-weight, position, language))
    return min(preferred)[2] if preferred else None


def _weight(parameters: list[str]) -> float:
    """The `q` of one language range: 1 unless given, 0 when unreadable."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0
    return 1.0
