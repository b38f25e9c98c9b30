"""One institution's mandate within a registry: reading it, its entity tag, checking, replacing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from routing.domain.registry import Registry, load_seed_registry
from routing.domain.specification import (
    MandateProblem,
    RegistryError,
    mandate_problems,
    parse_rules,
)

ANY_VERSION = "*"
"""The entity tag that matches whatever the mandate is now."""


class UnknownInstitution(LookupError):
    """No participating institution has this id."""


class StaleMandate(Exception):
    """The mandate changed since the caller read it."""


class MandateRejected(ValueError):
    """The new mandate cannot be used; `problems` names each reason and the field it is about."""

    def __init__(self, problems: Sequence[MandateProblem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = list(problems)


def mandate_of(registry: Registry, institution_id: str) -> list[dict[str, Any]]:
    """The institution's rules as it declared them, in the registry's canonical order."""
    for institution in registry.to_dict()["institutions"]:
        if institution["id"] == institution_id:
            rules: list[dict[str, Any]] = institution["rules"]
            return rules
    raise UnknownInstitution(institution_id)


def mandate_etag(rules: Sequence[Mapping[str, Any]]) -> str:
    """A strong entity tag of a mandate, so a change can require that nobody changed it since."""
    canonical = json.dumps(
        sorted(rules, key=lambda rule: str(rule["id"])),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:32] + '"'


def require_unchanged(registry: Registry, institution_id: str, if_match: str | None) -> None:
    """Raise `StaleMandate` unless the mandate still has the entity tag the caller read."""
    if if_match is None or if_match == ANY_VERSION:
        mandate_of(registry, institution_id)  # still refuses an unknown institution
        return
    if if_match != mandate_etag(mandate_of(registry, institution_id)):
        raise StaleMandate


def validate_mandate(
    rules: Sequence[Mapping[str, Any]], registry: Registry | None = None
) -> list[MandateProblem]:
    """Problems that make a declared mandate's rules unusable; empty when it is sound.

    Territories, prerequisites and exclusions are checked against `registry` (the seed when None).
    """
    registry = registry or load_seed_registry()
    parsed, problems = parse_rules(rules)
    return problems + mandate_problems(
        parsed,
        frozenset(registry.territory_chains),
        frozenset(registry.prerequisites),
        registry.exclusions,
    )


def with_mandate(
    registry: Registry, institution_id: str, rules: Sequence[Mapping[str, Any]]
) -> Registry:
    """The registry with the institution's rules replaced; raises `MandateRejected`."""
    document = registry.to_dict()
    for institution in document["institutions"]:
        if institution["id"] == institution_id:
            institution["rules"] = [dict(rule) for rule in rules]
    try:
        return Registry.from_dict(document)
    except RegistryError as error:
        raise MandateRejected([MandateProblem("rules", p) for p in error.problems]) from error
