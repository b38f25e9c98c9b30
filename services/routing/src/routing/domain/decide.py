"""Deciding which institution is competent for a complaint's facts, deterministically.

1. A rule matches when the category, respondent type, territory (or one enclosing it) and
   complainant role all match. An exclusion that holds sets the rule aside; a prerequisite
   that does not hold blocks it.
2. Every institution with a matching rule that is neither set aside nor blocked is competent.
3. Institutions rank by their best rule: higher priority first, then the more specific territory
   (a rule for MA-06 beats one for MA). The first leads; the others are associated, in rank order
   and then by institution id.
4. Triage, never a guess: two institutions sharing the top rank, an unknown subdivision of a
   known country, or a complaint in category "other" that no rule covers.
5. Otherwise advice: the missing prerequisite's, else the exclusion's, else the first entry of
   the directory's advice table whose condition holds.

The triage desk is `received_by` when it is a participating institution, else the desk the
directory names for the respondent's country, else the first candidate by id, else the first
institution of that country by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from nowrongdoor.contracts.events import CompetentInstitution, ComplaintFacts, ServiceStandardsDays
from nowrongdoor.contracts.vocabulary import Language, PartRole, RoutingOutcome
from routing.domain import explain
from routing.domain.registry import Exclusion, Institution, Prerequisite, Registry, Rule

Reason = Literal[
    "single-institution",
    "joint-case",
    "prerequisite-missing",
    "excluded",
    "no-matching-rule",
    "outside-network",
    "equally-ranked-leads",
    "unknown-territory",
    "uncategorised",
    "declined-by-all",
]
"""Why the outcome is what it is; triage and advice explain themselves by it."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What routing decided for one complaint, with every reason needed to explain it.

    Sequences are tuples so a decision stays immutable; the event models accept them as lists.
    """

    outcome: RoutingOutcome
    reason: Reason
    competent: tuple[CompetentInstitution, ...]
    matched_rules: tuple[str, ...]
    excluding_rules: tuple[str, ...]
    missing_prerequisites: tuple[str, ...]
    # Tied leads when in triage; blocked institutions when a prerequisite is missing.
    candidates: tuple[str, ...]
    advice: str | None
    triage_institution_id: str | None
    registry_version: str
    registry: Registry = field(compare=False, repr=False)
    # The institution that declined the opened case, when this decides it again.
    transferred_by: str | None = None

    @classmethod
    def made(
        cls,
        outcome: RoutingOutcome,
        reason: Reason,
        registry: Registry,
        *,
        competent: tuple[CompetentInstitution, ...] = (),
        matched_rules: tuple[str, ...] = (),
        excluding_rules: tuple[str, ...] = (),
        missing_prerequisites: tuple[str, ...] = (),
        candidates: tuple[str, ...] = (),
        advice: str | None = None,
        triage_institution_id: str | None = None,
    ) -> Decision:
        """A decision over `registry`, recording its version; what it does not name is empty."""
        return cls(
            outcome=outcome,
            reason=reason,
            competent=competent,
            matched_rules=matched_rules,
            excluding_rules=excluding_rules,
            missing_prerequisites=missing_prerequisites,
            candidates=candidates,
            advice=advice,
            triage_institution_id=triage_institution_id,
            registry_version=registry.version,
            registry=registry,
        )

    @property
    def lead(self) -> CompetentInstitution | None:
        return self.competent[0] if self.competent else None

    @property
    def associated(self) -> tuple[CompetentInstitution, ...]:
        return self.competent[1:]

    def explain(self, language: Language) -> str:
        """The decision in plain words, in the complainant's language."""
        return explain.explain(self, language)


@dataclass(frozen=True, slots=True)
class _Match:
    """A rule met by the facts, ranked by (priority, depth of the territory it met them at)."""

    rank: tuple[int, int]
    rule: Rule

    @property
    def order(self) -> tuple[int, int, str]:
        return (-self.rank[0], -self.rank[1], self.rule.id)


def decide(facts: ComplaintFacts, registry: Registry) -> Decision:
    """Decide which institution is competent for `facts`, deterministically."""
    chain = registry.territory_chain(facts.respondent_territory)
    if chain is None:
        return _decide_unknown_territory(facts, registry)

    competent: dict[str, list[_Match]] = {}
    blocked: list[tuple[_Match, tuple[Prerequisite, ...]]] = []
    excluded: list[tuple[_Match, Exclusion]] = []
    seen: set[str] = set()
    for position, code in enumerate(chain):
        depth = len(chain) - 1 - position
        for rule in registry.rule_index.get((code, facts.category, facts.respondent_type), ()):
            # A rule listing both MA and MA-06 is met first, and ranked, at the deeper one.
            if rule.id in seen:
                continue
            seen.add(rule.id)
            if facts.complainant_role not in rule.complainant_roles:
                continue
            match = _Match((rule.priority, depth), rule)
            exclusion = rule.exclusion_holding(facts, chain)
            if exclusion is not None:
                excluded.append((match, exclusion))
            elif facts.respondent_type not in rule.respondent_types:
                continue
            elif missing := rule.prerequisites_missing(facts, chain):
                blocked.append((match, missing))
            else:
                competent.setdefault(rule.institution_id, []).append(match)

    # Only institutions left without a competent rule need their exclusions or prerequisites told.
    excluded = sorted(
        (e for e in excluded if e[0].rule.institution_id not in competent), key=lambda e: e[0].order
    )
    blocked = sorted(
        (b for b in blocked if b[0].rule.institution_id not in competent), key=lambda b: b[0].order
    )
    excluding_rules = _unique(exclusion.id for _, exclusion in excluded)
    missing_prerequisites = _unique(p.id for _, missing in blocked for p in missing)

    if competent:
        for matches in competent.values():
            matches.sort(key=lambda m: m.order)
        ranked = sorted(competent, key=lambda i: (competent[i][0].order[:2], i))
        matched_rules = tuple(m.rule.id for i in ranked for m in competent[i])
        top_rank = competent[ranked[0]][0].rank
        tied = tuple(i for i in ranked if competent[i][0].rank == top_rank)
        if len(tied) > 1:
            return Decision.made(
                RoutingOutcome.TRIAGE,
                "equally-ranked-leads",
                registry,
                matched_rules=matched_rules,
                candidates=tied,
                triage_institution_id=triage_desk(facts, chain[-1], tied, registry),
                excluding_rules=excluding_rules,
                missing_prerequisites=missing_prerequisites,
            )
        return Decision.made(
            RoutingOutcome.COMPETENT,
            "joint-case" if len(ranked) > 1 else "single-institution",
            registry,
            competent=tuple(
                competent_institution(
                    registry.institutions[i],
                    "lead" if i == ranked[0] else "associated",
                    facts.language,
                    chain,
                )
                for i in ranked
            ),
            matched_rules=matched_rules,
            excluding_rules=excluding_rules,
            missing_prerequisites=missing_prerequisites,
        )

    if blocked:
        first_missing = blocked[0][1][0]
        return Decision.made(
            RoutingOutcome.PREREQUISITE_MISSING,
            "prerequisite-missing",
            registry,
            matched_rules=_unique(match.rule.id for match, _ in blocked),
            candidates=_unique(match.rule.institution_id for match, _ in blocked),
            advice=first_missing.advice,
            excluding_rules=excluding_rules,
            missing_prerequisites=missing_prerequisites,
        )
    if excluded:
        return Decision.made(
            RoutingOutcome.NOT_COMPETENT,
            "excluded",
            registry,
            advice=excluded[0][1].advice,
            excluding_rules=excluding_rules,
        )
    if facts.category == "other":
        desk = triage_desk(facts, chain[-1], (), registry)
        if desk is not None:
            return Decision.made(
                RoutingOutcome.TRIAGE, "uncategorised", registry, triage_institution_id=desk
            )
    return Decision.made(
        RoutingOutcome.NOT_COMPETENT,
        "no-matching-rule",
        registry,
        advice=_not_competent_advice(facts, chain, registry),
    )


def competent_institution(
    institution: Institution,
    role: PartRole,
    language: Language,
    territory_chain: Sequence[str],
) -> CompetentInstitution:
    """The institution as the complainant sees it: named in their language, with its office."""
    office = institution.office_for(territory_chain)
    standards = institution.service_standards
    return CompetentInstitution(
        institution_id=institution.id,
        name=institution.name(language),
        office_id=office.id if office else None,
        office_name=office.name(language) if office else None,
        role=role,
        service_standards=ServiceStandardsDays(
            acknowledge_days=standards.acknowledge_days,
            admissibility_days=standards.admissibility_days,
            resolve_days=standards.resolve_days,
        ),
        calendar=institution.calendar,
        closing_days=list(institution.closing_days),
    )


def _decide_unknown_territory(facts: ComplaintFacts, registry: Registry) -> Decision:
    """A subdivision the directory does not know: triage in a known country, advice otherwise."""
    country = facts.respondent_territory.strip().upper().split("-", 1)[0]
    if country in registry.territory_chains:
        desk = triage_desk(facts, country, (), registry)
        if desk is not None:
            return Decision.made(
                RoutingOutcome.TRIAGE, "unknown-territory", registry, triage_institution_id=desk
            )
    return Decision.made(
        RoutingOutcome.NOT_COMPETENT,
        "outside-network",
        registry,
        advice=_not_competent_advice(facts, (), registry),
    )


def triage_desk(
    facts: ComplaintFacts, country: str, candidates: Sequence[str], registry: Registry
) -> str | None:
    """Who looks at an undecidable complaint; the order is documented in the module docstring."""
    if facts.received_by is not None and facts.received_by in registry.institutions:
        return facts.received_by
    desk = registry.triage_desks.get(country)
    if desk is not None:
        return desk
    if candidates:
        return min(candidates)
    serving = registry.institutions_by_country.get(country, ())
    return serving[0] if serving else None


def _not_competent_advice(
    facts: ComplaintFacts, territory_chain: Sequence[str], registry: Registry
) -> str:
    """The first advice whose condition holds; the directory guarantees the last always does."""
    return next(
        advice
        for condition, advice in registry.not_competent_advice
        if condition.holds(facts, territory_chain)
    )


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
