"""Competence routing: which institution is competent for a complaint, and why.

Pure domain code, with no web framework, bus or database. A `Registry` is immutable and indexed
by (territory, category, respondent type), so a decision costs a few dictionary look-ups however
many institutions the registry holds.

How a decision is reached:

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

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nowrongdoor.contracts.events import CompetentInstitution, ComplaintFacts
from nowrongdoor.contracts.vocabulary import Category, ComplainantRole, Language, RespondentType

Outcome = Literal["competent", "prerequisite-missing", "not-competent", "triage"]
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
]

CATEGORIES: frozenset[str] = frozenset(get_args(Category))
RESPONDENT_TYPES: frozenset[str] = frozenset(get_args(RespondentType))
COMPLAINANT_ROLES: frozenset[str] = frozenset(get_args(ComplainantRole))
LANGUAGES: tuple[Language, ...] = get_args(Language)
_FLAG_FACTS = ("anonymous", "administration_contacted", "court_case_pending")


class RegistryError(ValueError):
    """The directory data cannot make a registry; `problems` says every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


# --- The directory document, as institutions declare it -----------------------------------------


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ConditionSpec(_Spec):
    """A test over the facts; a field left out does not constrain."""

    categories: list[str] | None = None
    respondent_types: list[str] | None = None
    complainant_roles: list[str] | None = None
    territories: list[str] | None = None
    anonymous: bool | None = None
    administration_contacted: bool | None = None
    court_case_pending: bool | None = None


class PrerequisiteSpec(_Spec):
    requires: ConditionSpec
    advice: str


class ExclusionSpec(_Spec):
    when: ConditionSpec
    advice: str


class RuleSpec(_Spec):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    priority: int = 10
    categories: list[str]
    respondent_types: list[str]
    territories: list[str]
    complainant_roles: list[str]
    prerequisites: list[str] = []
    exclusions: list[str] = []


class OfficeSpec(_Spec):
    id: str = Field(min_length=1)
    names: dict[str, str]
    territories: list[str]


class ServiceStandards(_Spec):
    """Promised delays in days: acknowledge, decide admissibility, resolve."""

    acknowledge_days: int = Field(ge=0)
    admissibility_days: int = Field(ge=0)
    resolve_days: int = Field(ge=0)


class InstitutionSpec(_Spec):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    names: dict[str, str]
    languages: list[str]
    territory: str
    offices: list[OfficeSpec] = []
    service_standards: ServiceStandards
    rules: list[RuleSpec]


class TerritorySpec(_Spec):
    code: str = Field(min_length=1)
    name: str
    # The name in other languages, where it differs from `name`.
    names: dict[str, str] = {}
    parent: str | None = None


class AdviceSpec(_Spec):
    code: str = Field(min_length=1)
    external_body: str
    text: dict[str, str]


class AdviceChoiceSpec(_Spec):
    when: ConditionSpec = ConditionSpec()
    advice: str


class DirectorySpec(_Spec):
    notice: str = ""
    conventions: str = ""
    territories: list[TerritorySpec]
    triage_desks: dict[str, str] = {}
    prerequisites: dict[str, PrerequisiteSpec] = {}
    exclusions: dict[str, ExclusionSpec] = {}
    institutions: list[InstitutionSpec]
    advice: list[AdviceSpec]
    not_competent_advice: list[AdviceChoiceSpec]


# --- The compiled registry ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled `ConditionSpec`; `None` does not constrain."""

    categories: frozenset[str] | None = None
    respondent_types: frozenset[str] | None = None
    complainant_roles: frozenset[str] | None = None
    territories: frozenset[str] | None = None
    flags: tuple[tuple[str, bool], ...] = ()

    @classmethod
    def from_spec(cls, spec: ConditionSpec) -> Condition:
        def frozen(values: list[str] | None) -> frozenset[str] | None:
            return None if values is None else frozenset(values)

        flags = tuple(
            (name, value) for name in _FLAG_FACTS if (value := getattr(spec, name)) is not None
        )
        return cls(
            frozen(spec.categories),
            frozen(spec.respondent_types),
            frozen(spec.complainant_roles),
            frozen(spec.territories),
            flags,
        )

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
        try:
            spec = DirectorySpec.model_validate(data)
        except ValidationError as error:
            raise RegistryError(
                [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
            ) from error
        problems = _directory_problems(spec)
        if problems:
            raise RegistryError(problems)
        document = spec.model_dump(mode="json")
        # Sorted where the order carries no meaning, so the version hashes content, not layout.
        for key, id_field in (("institutions", "id"), ("territories", "code"), ("advice", "code")):
            document[key].sort(key=lambda item: item[id_field])
        for institution in document["institutions"]:
            institution["rules"].sort(key=lambda rule: rule["id"])
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

    def territory_name(self, code: str, language: str) -> str:
        """The territory's name in `language`, or the one the directory gives it."""
        return self.territory_translations.get(code, {}).get(language) or self.territory_names[code]


def _directory_problems(spec: DirectorySpec) -> list[str]:
    problems: list[str] = []
    codes = [t.code for t in spec.territories]
    known = frozenset(codes)
    problems += [f"territory {c!r} is declared twice" for c in _duplicates(codes)]
    parents = {t.code: t.parent for t in spec.territories}
    for code, parent in parents.items():
        if parent is not None and parent not in known:
            problems.append(f"territory {code!r}: unknown parent {parent!r}")
        seen = {code}
        while parent is not None and parent in parents:
            if parent in seen:
                problems.append(f"territory {code!r} is inside itself")
                break
            seen.add(parent)
            parent = parents[parent]

    advice_codes = [a.code for a in spec.advice]
    problems += [f"advice {c!r} is declared twice" for c in _duplicates(advice_codes)]
    for advice in spec.advice:
        missing = [lang for lang in LANGUAGES if not advice.text.get(lang)]
        if missing:
            problems.append(f"advice {advice.code!r}: no text in {', '.join(missing)}")
    declared_advice = frozenset(advice_codes)

    def check_condition(where: str, condition: ConditionSpec) -> None:
        problems.extend(_condition_problems(where, condition, known))

    for name, prerequisite in spec.prerequisites.items():
        check_condition(f"prerequisite {name!r}", prerequisite.requires)
        if prerequisite.advice not in declared_advice:
            problems.append(f"prerequisite {name!r}: unknown advice {prerequisite.advice!r}")
    for name, exclusion in spec.exclusions.items():
        check_condition(f"exclusion {name!r}", exclusion.when)
        if exclusion.advice not in declared_advice:
            problems.append(f"exclusion {name!r}: unknown advice {exclusion.advice!r}")
    for position, choice in enumerate(spec.not_competent_advice):
        check_condition(f"not_competent_advice[{position}]", choice.when)
        if choice.advice not in declared_advice:
            problems.append(f"not_competent_advice[{position}]: unknown advice {choice.advice!r}")
    if not spec.not_competent_advice or spec.not_competent_advice[-1].when != ConditionSpec():
        problems.append("not_competent_advice must end with an entry that has no condition")

    exclusion_conditions = {n: Condition.from_spec(e.when) for n, e in spec.exclusions.items()}
    institution_ids = [i.id for i in spec.institutions]
    problems += [f"institution {i!r} is declared twice" for i in _duplicates(institution_ids)]
    office_ids = [o.id for i in spec.institutions for o in i.offices]
    problems += [f"office {o!r} is declared twice" for o in _duplicates(office_ids)]
    for institution in spec.institutions:
        where = f"institution {institution.id!r}"
        if not institution.names.get("official"):
            problems.append(f"{where}: no official name")
        if institution.territory not in known:
            problems.append(f"{where}: unknown territory {institution.territory!r}")
        served: list[str] = []
        for office in institution.offices:
            if not office.names.get("official"):
                problems.append(f"{where}: office {office.id!r} has no official name")
            unknown = [code for code in office.territories if code not in known]
            problems += [f"{where}: office {office.id!r}: unknown territory {c!r}" for c in unknown]
            served += office.territories
        problems += [f"{where}: two offices serve {c!r}" for c in _duplicates(served)]
        problems += [
            f"{where}: {problem}"
            for problem in _mandate_problems(
                institution.rules, known, frozenset(spec.prerequisites), exclusion_conditions
            )
        ]
    for country, desk in spec.triage_desks.items():
        if country not in known:
            problems.append(f"triage desk for unknown territory {country!r}")
        if desk not in institution_ids:
            problems.append(f"triage desk for {country!r}: unknown institution {desk!r}")
    return problems


def _condition_problems(where: str, spec: ConditionSpec, territories: frozenset[str]) -> list[str]:
    problems: list[str] = []
    for kind, values, allowed in (
        ("category", spec.categories, CATEGORIES),
        ("respondent type", spec.respondent_types, RESPONDENT_TYPES),
        ("complainant role", spec.complainant_roles, COMPLAINANT_ROLES),
        ("territory", spec.territories, territories),
    ):
        for value in values or ():
            if value not in allowed:
                problems.append(f"{where}: unknown {kind} {value!r}")
    return problems


def _mandate_problems(
    rules: Sequence[RuleSpec],
    territories: frozenset[str],
    prerequisites: frozenset[str],
    exclusions: Mapping[str, Condition],
) -> list[str]:
    problems = [f"rule {r!r} is declared twice" for r in _duplicates([r.id for r in rules])]
    for rule in rules:
        where = f"rule {rule.id!r}"
        for kind, values in (
            ("categories", rule.categories),
            ("respondent types", rule.respondent_types),
            ("territories", rule.territories),
            ("complainant roles", rule.complainant_roles),
        ):
            if not values:
                problems.append(f"{where} lists no {kind}, so it can never match")
        scope = ConditionSpec(
            categories=rule.categories,
            respondent_types=rule.respondent_types,
            complainant_roles=rule.complainant_roles,
            territories=rule.territories,
        )
        problems += _condition_problems(where, scope, territories)
        problems += [
            f"{where}: unknown prerequisite {p!r}"
            for p in rule.prerequisites
            if p not in prerequisites
        ]
        for name in rule.exclusions:
            exclusion = exclusions.get(name)
            if exclusion is None:
                problems.append(f"{where}: unknown exclusion {name!r}")
            elif rule.respondent_types and exclusion.always_excludes(rule.respondent_types):
                problems.append(
                    f"{where}: exclusion {name!r} covers every respondent type it lists, "
                    "so it can never match"
                )
    return problems


def _duplicates(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated


def _compile(spec: DirectorySpec, version: str, source: str) -> Registry:
    parents = {t.code: t.parent for t in spec.territories}
    chains: dict[str, tuple[str, ...]] = {}
    for code in parents:
        chain = [code]
        while (parent := parents[chain[-1]]) is not None:
            chain.append(parent)
        chains[code] = tuple(chain)

    prerequisites = {
        name: Condition.from_spec(p.requires) for name, p in spec.prerequisites.items()
    }
    exclusions = {name: Condition.from_spec(e.when) for name, e in spec.exclusions.items()}
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
            (Condition.from_spec(c.when), c.advice) for c in spec.not_competent_advice
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


def validate_mandate(
    rules: Sequence[Mapping[str, Any]], registry: Registry | None = None
) -> list[str]:
    """Problems that make a declared mandate's rules unusable; empty when it is sound.

    Territories, prerequisites and exclusions are checked against `registry` (the seed when None).
    """
    registry = registry or load_seed_registry()
    problems: list[str] = []
    parsed: list[RuleSpec] = []
    for position, raw in enumerate(rules):
        try:
            parsed.append(RuleSpec.model_validate(raw))
        except ValidationError as error:
            for e in error.errors():
                location = ".".join(map(str, e["loc"]))
                problems.append(f"rule #{position}: {location}: {e['msg']}")
    problems += _mandate_problems(
        parsed,
        frozenset(registry.territory_chains),
        frozenset(registry.prerequisites),
        registry.exclusions,
    )
    return problems


# --- Deciding -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """What routing decided for one complaint, with every reason needed to explain it.

    Sequences are tuples so a decision stays immutable; the event models accept them as lists.
    """

    outcome: Outcome
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

    @property
    def lead(self) -> CompetentInstitution | None:
        return self.competent[0] if self.competent else None

    @property
    def associated(self) -> tuple[CompetentInstitution, ...]:
        return self.competent[1:]

    def explain(self, language: Language) -> str:
        """The decision in plain words, in Arabic, French or English."""
        texts = _EXPLANATIONS[language]
        registry = self.registry

        def names(ids: Iterable[str]) -> str:
            return texts["separator"].join(registry.institution_name(i, language) for i in ids)

        advice = registry.advice_text(self.advice, language) if self.advice else ""
        if self.outcome == "competent":
            lead = self.competent[0]
            parts = [texts["competent"].format(lead=names([lead.institution_id]))]
            offices = registry.institutions[lead.institution_id].offices
            office = next((o for o in offices if o.id == lead.office_id), None)
            if office is not None:
                parts.append(texts["office"].format(office=office.name(language)))
            if self.associated:
                parts.append(
                    texts["associated"].format(
                        names=names(c.institution_id for c in self.associated)
                    )
                )
            return " ".join(parts)
        if self.outcome == "prerequisite-missing":
            return texts["prerequisite-missing"].format(names=names(self.candidates), advice=advice)
        if self.outcome == "not-competent":
            return texts["not-competent"].format(advice=advice)
        assert self.triage_institution_id is not None
        why = texts[self.reason].format(names=names(self.candidates))
        return texts["triage"].format(desk=names([self.triage_institution_id]), why=why)


_EXPLANATIONS: Mapping[Language, Mapping[str, str]] = {
    "en": {
        "separator": ", ",
        "competent": "{lead} is competent for your complaint and will handle it.",
        "office": "It will be dealt with by: {office}.",
        "associated": "Also competent, working on it under the same reference: {names}.",
        "prerequisite-missing": "{names} could handle this complaint, but not yet. {advice}",
        "not-competent": "No institution in this network can take this complaint. {advice}",
        "triage": "{desk} will look at your complaint and decide who handles it, because {why}.",
        "equally-ranked-leads": (
            "more than one institution could lead it ({names}) and the facts alone do not say which"
        ),
        "unknown-territory": (
            "the place given for the body complained about is not in the directory"
        ),
        "uncategorised": "its subject needs a person to classify it",
    },
    "fr": {
        "separator": ", ",
        "competent": "L'institution compétente pour votre plainte est : {lead}.",
        "office": "Elle sera traitée par : {office}.",
        "associated": "Autres institutions compétentes, sous la même référence : {names}.",
        "prerequisite-missing": (
            "Cette plainte pourra être traitée par : {names}, mais pas encore. {advice}"
        ),
        "not-competent": "Aucune institution du réseau ne peut traiter cette plainte. {advice}",
        "triage": (
            "Votre plainte sera examinée par : {desk}, qui décidera qui la traite, car {why}."
        ),
        "equally-ranked-leads": (
            "plusieurs institutions pourraient la conduire ({names}) "
            "et les faits seuls ne permettent pas de choisir"
        ),
        "unknown-territory": (
            "le lieu indiqué pour l'organisme mis en cause ne figure pas dans l'annuaire"
        ),
        "uncategorised": "son objet doit être qualifié par une personne",
    },
    "ar": {
        "separator": "، ",
        "competent": "الجهة المختصة بشكايتك هي: {lead}.",
        "office": "وستُعالج لدى: {office}.",
        "associated": "وتشارك أيضاً في معالجتها، تحت المرجع نفسه: {names}.",
        "prerequisite-missing": "يمكن معالجة هذه الشكاية لدى: {names}، ولكن ليس بعد. {advice}",
        "not-competent": "لا يمكن لأي مؤسسة في هذه الشبكة معالجة هذه الشكاية. {advice}",
        "triage": "ستُدرس شكايتك لدى: {desk}، لتحديد الجهة التي ستعالجها، لأن {why}.",
        "equally-ranked-leads": (
            "أكثر من مؤسسة يمكنها أن تتولاها ({names}) والوقائع وحدها لا تحدد أيّها"
        ),
        "unknown-territory": "المكان المذكور للجهة المشتكى بها غير موجود في الدليل",
        "uncategorised": "موضوعها يحتاج إلى شخص يصنّفه",
    },
}


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
    territory = facts.respondent_territory.strip().upper()
    chain = registry.territory_chains.get(territory)
    if chain is None:
        return _decide_unknown_territory(facts, territory, registry)

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
            return _decision(
                "triage",
                "equally-ranked-leads",
                registry,
                matched_rules=matched_rules,
                candidates=tied,
                triage_institution_id=_triage_desk(facts, chain[-1], tied, registry),
                excluding_rules=excluding_rules,
                missing_prerequisites=missing_prerequisites,
            )
        return _decision(
            "competent",
            "joint-case" if len(ranked) > 1 else "single-institution",
            registry,
            competent=tuple(
                _competent_institution(
                    registry.institutions[i],
                    "lead" if i == ranked[0] else "associated",
                    facts,
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
        return _decision(
            "prerequisite-missing",
            "prerequisite-missing",
            registry,
            matched_rules=_unique(match.rule.id for match, _ in blocked),
            candidates=_unique(match.rule.institution_id for match, _ in blocked),
            advice=first_missing.advice,
            excluding_rules=excluding_rules,
            missing_prerequisites=missing_prerequisites,
        )
    if excluded:
        return _decision(
            "not-competent",
            "excluded",
            registry,
            advice=excluded[0][1].advice,
            excluding_rules=excluding_rules,
        )
    if facts.category == "other":
        desk = _triage_desk(facts, chain[-1], (), registry)
        if desk is not None:
            return _decision("triage", "uncategorised", registry, triage_institution_id=desk)
    return _decision(
        "not-competent",
        "no-matching-rule",
        registry,
        advice=_not_competent_advice(facts, chain, registry),
    )


def _decide_unknown_territory(
    facts: ComplaintFacts, territory: str, registry: Registry
) -> Decision:
    """A subdivision the directory does not know: triage in a known country, advice otherwise."""
    country = territory.split("-", 1)[0]
    if country in registry.territory_chains:
        desk = _triage_desk(facts, country, (), registry)
        if desk is not None:
            return _decision("triage", "unknown-territory", registry, triage_institution_id=desk)
    return _decision(
        "not-competent",
        "outside-network",
        registry,
        advice=_not_competent_advice(facts, (), registry),
    )


def _decision(
    outcome: Outcome,
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
    return Decision(
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


def _competent_institution(
    institution: Institution,
    role: Literal["lead", "associated"],
    facts: ComplaintFacts,
    territory_chain: Sequence[str],
) -> CompetentInstitution:
    """The institution as the complainant sees it: named in their language, with its office."""
    office = institution.office_for(territory_chain)
    return CompetentInstitution(
        institution_id=institution.id,
        name=institution.name(facts.language),
        office_id=office.id if office else None,
        office_name=office.name(facts.language) if office else None,
        role=role,
    )


def _triage_desk(
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
