"""The compiled registry: institutions, their offices and mandates, indexed for deciding.

A `Registry` is immutable and indexed by (territory, category, respondent type), so a decision
costs a few dictionary look-ups however many institutions the registry holds. Its `version` is a
hash of the directory document's content, which every decision records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from nowrongdoor.contracts.events import ComplaintFacts
from routing.domain.conditions import Condition
from routing.domain.specification import DirectorySpec, ServiceStandards, parse_directory


@dataclass(frozen=True, slots=True)
class Prerequisite:
    id: str
    condition: Condition
    advice: str


@dataclass(frozen=True, slots=True)
class Exclusion:
    id: str
    condition: Condition
    advice: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One line of an institution's mandate; `id` is `institution/rule`."""

    id: str
    institution_id: str
    priority: int
    categories: frozenset[str]
    respondent_types: frozenset[str]
    territories: frozenset[str]
    complainant_roles: frozenset[str]
    prerequisites: tuple[Prerequisite, ...]
    exclusions: tuple[Exclusion, ...]

    def exclusion_holding(
        self, facts: ComplaintFacts, territory_chain: Sequence[str]
    ) -> Exclusion | None:
        """The first of its exclusions that holds, in declared order."""
        for exclusion in self.exclusions:
            if exclusion.condition.holds(facts, territory_chain):
                return exclusion
        return None

    def prerequisites_missing(
        self, facts: ComplaintFacts, territory_chain: Sequence[str]
    ) -> tuple[Prerequisite, ...]:
        if not self.prerequisites:
            return ()
        return tuple(p for p in self.prerequisites if not p.condition.holds(facts, territory_chain))


@dataclass(frozen=True, slots=True)
class Office:
    id: str
    names: Mapping[str, str]
    territories: frozenset[str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["official"]


@dataclass(frozen=True, slots=True)
class Institution:
    id: str
    names: Mapping[str, str]
    languages: tuple[str, ...]
    territory: str
    offices: tuple[Office, ...]
    service_standards: ServiceStandards
    rules: tuple[Rule, ...]
    offices_by_territory: Mapping[str, Office]
    # The country whose business days its promises count in, and its own closing days.
    calendar: str
    closing_days: tuple[date, ...] = ()
    former_names: tuple[str, ...] = ()
    # The zone of its calendar's country, in which it tells times; None when none is declared.
    time_zone: str | None = None
    # Paths on this site to its presentations in sign language and in easy words, if published.
    sign_language_video: str | None = None
    easy_read: str | None = None

    def name(self, language: str) -> str:
        """The name in `language`, or the official one when none is declared."""
        return self.names.get(language) or self.names["official"]

    def office_for(self, territory_chain: Sequence[str]) -> Office | None:
        """The office serving the most specific territory of the chain, if any."""
        for code in territory_chain:
            office = self.offices_by_territory.get(code)
            if office is not None:
                return office
        return None


@dataclass(frozen=True, slots=True)
class Advice:
    code: str
    external_body: str
    texts: Mapping[str, str]


_IndexKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True, eq=False)
class Registry:
    """The institutions, their mandates and the advice table, compiled and indexed.

    Build it with `Registry.from_dict` or `load_seed_registry`; `version` is a hash of the content.
    """

    version: str
    institutions: Mapping[str, Institution]
    advice: Mapping[str, Advice]
    territory_names: Mapping[str, str]
    territory_translations: Mapping[str, Mapping[str, str]]
    # Each known territory code, with its ancestors up to the country: MA-CAS -> MA-06 -> MA.
    territory_chains: Mapping[str, tuple[str, ...]]
    triage_desks: Mapping[str, str]
    not_competent_advice: tuple[tuple[Condition, str], ...]
    rule_index: Mapping[_IndexKey, tuple[Rule, ...]]
    institutions_by_country: Mapping[str, tuple[str, ...]]
    # The shared vocabulary rules refer to by name.
    prerequisites: Mapping[str, Condition]
    exclusions: Mapping[str, Condition]
    source: str = field(repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Registry:
        """Validate a directory document and compile it; raises `RegistryError`."""
        spec = parse_directory(data)
        document = spec.model_dump(mode="json")
        # Sorted where the order carries no meaning, so the version hashes content, not layout.
        for key, id_field in (("institutions", "id"), ("territories", "code"), ("advice", "code")):
            document[key].sort(key=lambda item: item[id_field])
        for institution in document["institutions"]:
            institution["rules"].sort(key=lambda rule: rule["id"])
            # Left out when not declared, so a directory without them keeps its version.
            for optional, default in (
                ("calendar", None),
                ("closing_days", []),
                ("former_names", []),
            ):
                if institution.get(optional, default) == default:
                    institution.pop(optional, None)
        source = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        version = "sha256:" + hashlib.sha256(source.encode()).hexdigest()[:16]
        return _compile(spec, version, source)

    def to_dict(self) -> dict[str, Any]:
        """A fresh copy of the directory document this registry was built from."""
        loaded: dict[str, Any] = json.loads(self.source)
        return loaded

    def institution_name(self, institution_id: str, language: str) -> str:
        return self.institutions[institution_id].name(language)

    def advice_text(self, code: str, language: str) -> str:
        return self.advice[code].texts[language]

    def territory_chain(self, territory: str) -> tuple[str, ...] | None:
        """The territory, however written, with its ancestors; `None` when the directory does not
        know it."""
        return self.territory_chains.get(territory.strip().upper())

    def territory_path(self, territory: str) -> tuple[str, ...]:
        """The territory and every territory containing it, widest first: MA, MA-06, MA-CAS.

        A code the directory does not know keeps what can be read from it: its country, then
        itself.
        """
        code = territory.strip().upper()
        chain = self.territory_chains.get(code)
        if chain is not None:
            return chain[::-1]
        country = code.split("-", 1)[0]
        return (country, code) if country != code else (code,)

    def territory_name(self, code: str, language: str) -> str:
        """The territory's name in `language`, or the one the directory gives it."""
        return self.territory_translations.get(code, {}).get(language) or self.territory_names[code]


def _compile(spec: DirectorySpec, version: str, source: str) -> Registry:
    parents = {t.code: t.parent for t in spec.territories}
    chains: dict[str, tuple[str, ...]] = {}
    for code in parents:
        chain = [code]
        while (parent := parents[chain[-1]]) is not None:
            chain.append(parent)
        chains[code] = tuple(chain)

    prerequisites = {name: p.requires.compiled() for name, p in spec.prerequisites.items()}
    exclusions = {name: e.when.compiled() for name, e in spec.exclusions.items()}
    zones = {t.code: t.time_zone for t in spec.territories if t.time_zone is not None}
    index: dict[_IndexKey, list[Rule]] = {}
    institutions: dict[str, Institution] = {}
    by_country: dict[str, list[str]] = {}
    for declared in sorted(spec.institutions, key=lambda i: i.id):
        # One object per institution and condition, shared by its rules: large registries build
        # faster with fewer objects for the garbage collector to walk.
        own_prerequisites = {
            name: Prerequisite(f"{declared.id}/{name}", condition, spec.prerequisites[name].advice)
            for name, condition in prerequisites.items()
        }
        own_exclusions = {
            name: Exclusion(f"{declared.id}/{name}", condition, spec.exclusions[name].advice)
            for name, condition in exclusions.items()
        }
        rules: list[Rule] = []
        for rule_spec in declared.rules:
            rule = Rule(
                id=f"{declared.id}/{rule_spec.id}",
                institution_id=declared.id,
                priority=rule_spec.priority,
                categories=frozenset(rule_spec.categories),
                respondent_types=frozenset(rule_spec.respondent_types),
                territories=frozenset(rule_spec.territories),
                complainant_roles=frozenset(rule_spec.complainant_roles),
                prerequisites=tuple(own_prerequisites[n] for n in rule_spec.prerequisites),
                exclusions=tuple(own_exclusions[n] for n in rule_spec.exclusions),
            )
            rules.append(rule)
            # Index under the types an exclusion names too, so that exclusion can be explained.
            indexed_types = set(rule.respondent_types)
            for exclusion in rule.exclusions:
                indexed_types |= exclusion.condition.respondent_types or frozenset()
            for territory in rule.territories:
                for category in rule.categories:
                    for respondent_type in indexed_types:
                        index.setdefault((territory, category, respondent_type), []).append(rule)
        offices = tuple(
            Office(o.id, MappingProxyType(dict(o.names)), frozenset(o.territories))
            for o in declared.offices
        )
        institutions[declared.id] = Institution(
            id=declared.id,
            names=MappingProxyType(dict(declared.names)),
            languages=tuple(declared.languages),
            territory=declared.territory,
            offices=offices,
            service_standards=declared.service_standards,
            rules=tuple(rules),
            offices_by_territory=MappingProxyType(
                {code: office for office in offices for code in office.territories}
            ),
            calendar=declared.calendar_country,
            closing_days=tuple(sorted(declared.closing_days)),
            former_names=tuple(declared.former_names),
            time_zone=zones.get(declared.calendar_country),
            sign_language_video=declared.presentations.sign_language_video,
            easy_read=declared.presentations.easy_read,
        )
        by_country.setdefault(chains[declared.territory][-1], []).append(declared.id)

    return Registry(
        version=version,
        institutions=MappingProxyType(institutions),
        advice=MappingProxyType(
            {
                a.code: Advice(a.code, a.external_body, MappingProxyType(dict(a.text)))
                for a in spec.advice
            }
        ),
        territory_names=MappingProxyType({t.code: t.name for t in spec.territories}),
        territory_translations=MappingProxyType(
            {t.code: MappingProxyType(dict(t.names)) for t in spec.territories if t.names}
        ),
        territory_chains=MappingProxyType(chains),
        triage_desks=MappingProxyType(dict(spec.triage_desks)),
        not_competent_advice=tuple(
            (c.when.compiled(), c.advice) for c in spec.not_competent_advice
        ),
        rule_index=MappingProxyType({key: tuple(rules) for key, rules in index.items()}),
        institutions_by_country=MappingProxyType({c: tuple(ids) for c, ids in by_country.items()}),
        prerequisites=MappingProxyType(prerequisites),
        exclusions=MappingProxyType(exclusions),
        source=source,
    )


@cache
def load_seed_registry() -> Registry:
    """The demo directory shipped with the service (illustrative, not legal advice)."""
    text = resources.files("routing").joinpath("directory.json").read_text(encoding="utf-8")
    return Registry.from_dict(json.loads(text))
