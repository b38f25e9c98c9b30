"""Routing decisions per second, and decision latency, as the registry grows from 100 to 2,000.

Both registries are synthetic: every institution declares 20 rules over its own country and
regions, ten institutions to a country, so a larger registry means more countries, as it would in
reality. An indexed engine then decides in the same time at any size; a scanning one would not.
The two sizes are measured in alternating rounds so machine noise falls on both alike.

Run: .venv/bin/python bench/routing_decisions.py
Exits non-zero when p99 at 2,000 institutions exceeds 1 ms, or is more than twice p99 at 100.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from typing import Any, get_args

from nowrongdoor.contracts.events import ComplaintFacts
from nowrongdoor.contracts.vocabulary import Category, ComplainantRole, RespondentType
from routing.domain import Registry, decide, load_seed_registry

RULES_PER_INSTITUTION = 20
INSTITUTIONS_PER_COUNTRY = 10
REGIONS_PER_COUNTRY = 12
DECISIONS_PER_ROUND = 4_000
ROUNDS = 5
P99_LIMIT_NS = 1_000_000
RATIO_LIMIT = 2.0

CATEGORIES: tuple[str, ...] = get_args(Category)
# Courts are left out: every rule here could otherwise be set aside by its own exclusion.
RESPONDENT_TYPES = tuple(t for t in get_args(RespondentType) if t != "court")
ROLES: tuple[str, ...] = get_args(ComplainantRole)


def synthetic_directory(institutions: int, rng: random.Random) -> dict[str, Any]:
    """The seed's vocabulary and advice, with `institutions` generated institutions."""
    document = load_seed_registry().to_dict()
    countries = [f"Z{n:04d}" for n in range(max(1, institutions // INSTITUTIONS_PER_COUNTRY))]
    regions = {c: [f"{c}-{r:02d}" for r in range(1, REGIONS_PER_COUNTRY + 1)] for c in countries}
    for country in countries:
        document["territories"].append({"code": country, "name": country, "parent": None})
        document["territories"] += [
            {"code": region, "name": region, "parent": country} for region in regions[country]
        ]
    document["triage_desks"] = {}
    document["institutions"] = []
    for n in range(institutions):
        country = countries[n % len(countries)]
        document["institutions"].append(
            {
                "id": f"inst-{n:05d}",
                "names": {"official": f"Institution {n}"},
                "languages": ["fr"],
                "territory": country,
                "offices": [
                    {
                        "id": f"inst-{n:05d}-office",
                        "names": {"official": "Regional office"},
                        "territories": [rng.choice(regions[country])],
                    }
                ],
                "service_standards": {
                    "acknowledge_days": 5,
                    "admissibility_days": 20,
                    "resolve_days": 90,
                },
                "rules": [
                    synthetic_rule(f"rule-{r:02d}", country, regions[country], rng)
                    for r in range(RULES_PER_INSTITUTION)
                ],
            }
        )
    return document


def synthetic_rule(
    identifier: str, country: str, regions: list[str], rng: random.Random
) -> dict[str, Any]:
    return {
        "id": identifier,
        "priority": rng.choice([5, 10, 20]),
        "categories": rng.sample(CATEGORIES, rng.randint(1, 2)),
        "respondent_types": rng.sample(RESPONDENT_TYPES, rng.randint(2, 4)),
        "territories": [country] if rng.random() < 0.7 else rng.sample(regions, rng.randint(1, 2)),
        "complainant_roles": rng.sample(ROLES, rng.randint(1, 3)),
        "prerequisites": ["administration-contacted"] if rng.random() < 0.3 else [],
        "exclusions": rng.sample(["court-case-pending", "court-decision", "private-dispute"], 2),
    }


def synthetic_facts(registry: Registry, count: int, rng: random.Random) -> list[ComplaintFacts]:
    territories = sorted(code for code in registry.territory_chains if code.startswith("Z"))
    return [
        ComplaintFacts(
            category=rng.choice(CATEGORIES),
            respondent_type=rng.choice(get_args(RespondentType)),
            respondent_territory=rng.choice(territories),
            complainant_role=rng.choice(ROLES),
            anonymous=rng.random() < 0.2,
            administration_contacted=rng.random() < 0.8,
            court_case_pending=rng.random() < 0.1,
            language=rng.choice(["ar", "fr", "en"]),
            received_by=None,
            channel="web",
        )
        for _ in range(count)
    ]


def time_decisions(registry: Registry, complaints: list[ComplaintFacts]) -> list[int]:
    clock = time.perf_counter_ns
    durations = []
    for facts in complaints:
        started = clock()
        decide(facts, registry)
        durations.append(clock() - started)
    return durations


def percentile(sorted_values: list[int], fraction: float) -> int:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def main() -> int:
    rng = random.Random(20_251_128)
    sizes = (100, 2_000)
    registries: dict[int, Registry] = {}
    complaints: dict[int, list[ComplaintFacts]] = {}
    for size in sizes:
        started = time.perf_counter()
        registries[size] = Registry.from_dict(synthetic_directory(size, rng))
        built = time.perf_counter() - started
        complaints[size] = synthetic_facts(registries[size], DECISIONS_PER_ROUND, rng)
        print(f"built {size:>5} institutions x {RULES_PER_INSTITUTION} rules in {built:.2f} s")
        time_decisions(registries[size], complaints[size][:1_000])  # warm up

    durations: dict[int, list[int]] = {size: [] for size in sizes}
    outcomes: dict[int, set[str]] = {
        size: {str(decide(f, registries[size]).outcome) for f in complaints[size]} for size in sizes
    }
    gc.collect()
    for _ in range(ROUNDS):
        for size in sizes:
            durations[size] += time_decisions(registries[size], complaints[size])

    print()
    print(f"{'institutions':>12} {'rules':>7} {'decisions/s':>12} {'p50 µs':>8} {'p99 µs':>8}")
    p99: dict[int, int] = {}
    for size in sizes:
        ordered = sorted(durations[size])
        p99[size] = percentile(ordered, 0.99)
        per_second = 1e9 / statistics.fmean(ordered)
        print(
            f"{size:>12,} {size * RULES_PER_INSTITUTION:>7,} {per_second:>12,.0f} "
            f"{percentile(ordered, 0.50) / 1000:>8.1f} {p99[size] / 1000:>8.1f}"
        )
    ratio = p99[2_000] / p99[100]
    print(f"\np99(2000) / p99(100) = {ratio:.2f}   outcomes seen: {sorted(outcomes[2_000])}")

    failures = []
    if p99[2_000] > P99_LIMIT_NS:
        failures.append(
            f"p99 at 2,000 institutions is {p99[2_000] / 1e6:.3f} ms, "
            f"over {P99_LIMIT_NS / 1e6:g} ms"
        )
    if ratio > RATIO_LIMIT:
        failures.append(
            f"p99 grows {ratio:.2f} times from 100 to 2,000 institutions, over {RATIO_LIMIT:g}"
        )
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
