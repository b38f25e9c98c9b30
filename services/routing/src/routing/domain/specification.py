"""The directory document as institutions declare it, and every reason it cannot be used."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nowrongdoor.contracts.vocabulary import Category, ComplainantRole, Language, RespondentType
from routing.domain.conditions import FLAG_FACTS, Condition

CATEGORIES: frozenset[str] = frozenset(get_args(Category))
RESPONDENT_TYPES: frozenset[str] = frozenset(get_args(RespondentType))
COMPLAINANT_ROLES: frozenset[str] = frozenset(get_args(ComplainantRole))
LANGUAGES: tuple[Language, ...] = get_args(Language)


class RegistryError(ValueError):
    """The directory data cannot make a registry; `problems` says every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class MandateProblem:
    """One reason a declared mandate cannot be used, and the field of the change it is about."""

    field: str
    """`rules[N]` for the rule at that position, `rules` for the whole list, or
    `adopted_proposals`."""
    message: str


# --- The document --------------------------------------------------------------------------------


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

    def compiled(self) -> Condition:
        def frozen(values: list[str] | None) -> frozenset[str] | None:
            return None if values is None else frozenset(values)

        flags = tuple(
            (name, value) for name in FLAG_FACTS if (value := getattr(self, name)) is not None
        )
        return Condition(
            frozen(self.categories),
            frozen(self.respondent_types),
            frozen(self.complainant_roles),
            frozen(self.territories),
            flags,
        )


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


class PresentationsSpec(_Spec):
    """An institution presented for those who read sign language or easy words: paths to files
    served by this site (`same_origin_problem`), so the pages never load another site."""

    sign_language_video: str | None = None
    easy_read: str | None = None


class InstitutionSpec(_Spec):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    names: dict[str, str]
    # Names it was known by before, so that a person who knows only those still finds it.
    former_names: list[str] = []
    languages: list[str]
    territory: str
    offices: list[OfficeSpec] = []
    service_standards: ServiceStandards
    # The country whose public holidays it keeps (one the directory declares), when not that of
    # its territory, and the days it is closed besides them.
    calendar: str | None = None
    closing_days: list[date] = []
    presentations: PresentationsSpec = PresentationsSpec()
    rules: list[RuleSpec]

    @property
    def calendar_country(self) -> str:
        """The country whose business days its promises count in."""
        return self.calendar or self.territory.split("-", 1)[0]


class TerritorySpec(_Spec):
    code: str = Field(min_length=1)
    name: str
    # The name in other languages, where it differs from `name`.
    names: dict[str, str] = {}
    parent: str | None = None
    # For a country: the IANA zone its institutions count their days in and tell times in.
    time_zone: str | None = None


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


def parse_directory(data: Mapping[str, Any]) -> DirectorySpec:
    """The document read as a directory; raises `RegistryError` naming every problem."""
    try:
        spec = DirectorySpec.model_validate(data)
    except ValidationError as error:
        raise RegistryError(
            [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        ) from error
    problems = directory_problems(spec)
    if problems:
        raise RegistryError(problems)
    return spec


def parse_rules(
    rules: Sequence[Mapping[str, Any]],
) -> tuple[list[tuple[int, RuleSpec]], list[MandateProblem]]:
    """The rules that read as rules, each with its position, and the problems of the others."""
    parsed: list[tuple[int, RuleSpec]] = []
    problems: list[MandateProblem] = []
    for position, raw in enumerate(rules):
        try:
            parsed.append((position, RuleSpec.model_validate(raw)))
        except ValidationError as error:
            problems += [
                MandateProblem(
                    f"rules[{position}]",
                    f"rule #{position}: {'.'.join(map(str, e['loc']))}: {e['msg']}",
                )
                for e in error.errors()
            ]
    return parsed, problems


# --- What makes a directory unusable ----------------------------------------------------------


def directory_problems(spec: DirectorySpec) -> list[str]:
    problems: list[str] = []
    codes = [t.code for t in spec.territories]
    known = frozenset(codes)
    problems += [f"territory {c!r} is declared twice" for c in duplicates(codes)]
    parents = {t.code: t.parent for t in spec.territories}
    countries = frozenset(code for code, parent in parents.items() if parent is None)
    for territory in spec.territories:
        if territory.time_zone is None:
            continue
        if territory.parent is not None:
            problems.append(f"territory {territory.code!r}: only a country has a time zone")
        elif not known_time_zone(territory.time_zone):
            problems.append(
                f"territory {territory.code!r}: unknown time zone {territory.time_zone!r}"
            )
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
    problems += [f"advice {c!r} is declared twice" for c in duplicates(advice_codes)]
    for advice in spec.advice:
        missing = [lang for lang in LANGUAGES if not advice.text.get(lang)]
        if missing:
            problems.append(f"advice {advice.code!r}: no text in {', '.join(missing)}")
    declared_advice = frozenset(advice_codes)

    def check_condition(where: str, condition: ConditionSpec) -> None:
        problems.extend(condition_problems(where, condition, known))

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

    exclusion_conditions = {n: e.when.compiled() for n, e in spec.exclusions.items()}
    institution_ids = [i.id for i in spec.institutions]
    problems += [f"institution {i!r} is declared twice" for i in duplicates(institution_ids)]
    office_ids = [o.id for i in spec.institutions for o in i.offices]
    problems += [f"office {o!r} is declared twice" for o in duplicates(office_ids)]
    for institution in spec.institutions:
        where = f"institution {institution.id!r}"
        if not institution.names.get("official"):
            problems.append(f"{where}: no official name")
        if institution.territory not in known:
            problems.append(f"{where}: unknown territory {institution.territory!r}")
        if institution.calendar is not None and institution.calendar not in countries:
            problems.append(
                f"{where}: calendar {institution.calendar!r} is not a country of the directory"
            )
        problems += [
            f"{where}: closing day {day} is declared twice"
            for day in duplicates(d.isoformat() for d in institution.closing_days)
        ]
        for kind, path in institution.presentations:
            if path is not None and (problem := same_origin_problem(path)) is not None:
                problems.append(f"{where}: presentation {kind} {path!r} {problem}")
        served: list[str] = []
        for office in institution.offices:
            if not office.names.get("official"):
                problems.append(f"{where}: office {office.id!r} has no official name")
            unknown = [code for code in office.territories if code not in known]
            problems += [f"{where}: office {office.id!r}: unknown territory {c!r}" for c in unknown]
            served += office.territories
        problems += [f"{where}: two offices serve {c!r}" for c in duplicates(served)]
        problems += [
            f"{where}: {problem.message}"
            for problem in mandate_problems(
                list(enumerate(institution.rules)),
                known,
                frozenset(spec.prerequisites),
                exclusion_conditions,
            )
        ]
    for country, desk in spec.triage_desks.items():
        if country not in known:
            problems.append(f"triage desk for unknown territory {country!r}")
        if desk not in institution_ids:
            problems.append(f"triage desk for {country!r}: unknown institution {desk!r}")
    return problems


def known_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def same_origin_problem(path: str) -> str | None:
    """Why `path` is not a path on this site, or None: the pages must load nothing from another
    site, so a presentation is served by the site itself (under its `/media/`, for instance)."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return (
            "is not a path on this site: give one starting with a single '/', with no scheme "
            "and no host, as '/media/easy-read.html'"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return "must not contain spaces or control characters"
    return None


def condition_problems(where: str, spec: ConditionSpec, territories: frozenset[str]) -> list[str]:
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


def mandate_problems(
    rules: Sequence[tuple[int, RuleSpec]],
    territories: frozenset[str],
    prerequisites: frozenset[str],
    exclusions: Mapping[str, Condition],
) -> list[MandateProblem]:
    """What keeps these rules, each with its position in the mandate, from ever working."""
    first_position: dict[str, int] = {}
    for position, rule in rules:
        first_position.setdefault(rule.id, position)
    problems = [
        MandateProblem(f"rules[{first_position[r]}]", f"rule {r!r} is declared twice")
        for r in duplicates(rule.id for _, rule in rules)
    ]
    for position, rule in rules:
        field = f"rules[{position}]"
        where = f"rule {rule.id!r}"
        messages: list[str] = []
        for kind, values in (
            ("categories", rule.categories),
            ("respondent types", rule.respondent_types),
            ("territories", rule.territories),
            ("complainant roles", rule.complainant_roles),
        ):
            if not values:
                messages.append(f"{where} lists no {kind}, so it can never match")
        scope = ConditionSpec(
            categories=rule.categories,
            respondent_types=rule.respondent_types,
            complainant_roles=rule.complainant_roles,
            territories=rule.territories,
        )
        messages += condition_problems(where, scope, territories)
        messages += [
            f"{where}: unknown prerequisite {p!r}"
            for p in rule.prerequisites
            if p not in prerequisites
        ]
        for name in rule.exclusions:
            exclusion = exclusions.get(name)
            if exclusion is None:
                messages.append(f"{where}: unknown exclusion {name!r}")
            elif rule.respondent_types and exclusion.always_excludes(rule.respondent_types):
                messages.append(
                    f"{where}: exclusion {name!r} covers every respondent type it lists, "
                    "so it can never match"
                )
        problems += [MandateProblem(field, message) for message in messages]
    return problems


def duplicates(values: Iterable[str]) -> list[str]:
    """Each value met more than once, in the order of its second appearance."""
    seen: set[str] = set()
    repeated: list[str] = []
    for value in values:
        if value in seen and value not in repeated:
            repeated.append(value)
        seen.add(value)
    return repeated
