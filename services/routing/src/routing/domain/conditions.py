"""A test over a complaint's facts, as prerequisites, exclusions and advice choices state it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nowrongdoor.contracts.events import ComplaintFacts

FLAG_FACTS = ("anonymous", "administration_contacted", "court_case_pending")
"""The yes-or-no facts a condition may ask about, by their field name."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition of the directory; a field left `None` does not constrain."""

    categories: frozenset[str] | None = None
    respondent_types: frozenset[str] | None = None
    complainant_roles: frozenset[str] | None = None
    territories: frozenset[str] | None = None
    flags: tuple[tuple[str, bool], ...] = ()

    def holds(self, facts: ComplaintFacts, territory_chain: Sequence[str]) -> bool:
        if self.categories is not None and facts.category not in self.categories:
            return False
        if self.respondent_types is not None and facts.respondent_type not in self.respondent_types:
            return False
        if (
            self.complainant_roles is not None
            and facts.complainant_role not in self.complainant_roles
        ):
            return False
        if self.territories is not None and self.territories.isdisjoint(territory_chain):
            return False
        return all(getattr(facts, name) == value for name, value in self.flags)

    def always_excludes(self, respondent_types: Iterable[str]) -> bool:
        """Whether, as an exclusion, it would set aside every one of these respondent types."""
        only_types = (
            self.categories is None
            and self.complainant_roles is None
            and self.territories is None
            and not self.flags
        )
        return (
            only_types
            and self.respondent_types is not None
            and self.respondent_types.issuperset(respondent_types)
        )
