"""The compiled registry: its content-hash version, the seed directory, broken directories."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from routing.domain import Registry, RegistryError, load_seed_registry

SEED = load_seed_registry()


def test_the_version_is_a_content_hash() -> None:
    same = Registry.from_dict(SEED.to_dict())
    reordered = SEED.to_dict()
    reordered["institutions"].reverse()
    changed = SEED.to_dict()
    changed["institutions"][0]["service_standards"]["resolve_days"] += 1

    assert same.version == SEED.version == Registry.from_dict(reordered).version
    assert Registry.from_dict(changed).version != SEED.version
    assert SEED.version.startswith("sha256:")


def test_the_seed_declares_the_directory_the_design_names() -> None:
    assert set(SEED.institutions) == {
        "ma-mediateur",
        "ma-inpplc",
        "ma-cndh",
        "ma-cndp",
        "be-federal",
        "be-wallonie",
        "be-vlaanderen",
        "be-unia",
        "be-ostbelgien",
        "fr-ddd",
        "fr-hatvp",
        "fr-afa",
    }
    assert {f"MA-{n:02d}" for n in range(1, 13)} <= set(SEED.territory_chains)
    assert {"BE-BRU", "BE-VLG", "BE-WAL", "BE-WHT", "BE-VAN", "FR-IDF"} <= set(
        SEED.territory_chains
    )
    assert SEED.territory_chains["BE-WHT"] == ("BE-WHT", "BE-WAL", "BE")
    assert SEED.territory_chains["BE-DG"] == ("BE-DG", "BE-WLG", "BE-WAL", "BE")
    for advice in SEED.advice.values():
        assert set(advice.texts) >= {"ar", "fr", "en"}


BROKEN_DIRECTORIES = [
    (
        "unknown desk",
        lambda d: d["triage_desks"].update(MA="nobody"),
        "unknown institution 'nobody'",
    ),
    (
        "rule territory",
        lambda d: d["institutions"][0]["rules"][0].update(territories=["XX-01"]),
        "unknown territory 'XX-01'",
    ),
    (
        "advice in one language",
        lambda d: d["advice"][0]["text"].pop("ar"),
        "no text in ar",
    ),
    (
        "exclusion advice",
        lambda d: d["exclusions"]["court-decision"].update(advice="pray"),
        "unknown advice 'pray'",
    ),
    (
        "no final advice",
        lambda d: d["not_competent_advice"].pop(),
        "must end with an entry that has no condition",
    ),
    (
        "twice the same institution",
        lambda d: d["institutions"].append(copy.deepcopy(d["institutions"][0])),
        "is declared twice",
    ),
    (
        "unknown parent",
        lambda d: d["territories"].append({"code": "XX-01", "name": "x", "parent": "XX"}),
        "unknown parent 'XX'",
    ),
    ("a missing field", lambda d: d.pop("institutions"), "institutions"),
]


@pytest.mark.parametrize(
    ("situation", "breaks", "problem"), BROKEN_DIRECTORIES, ids=[b[0] for b in BROKEN_DIRECTORIES]
)
def test_a_broken_directory_is_refused_with_its_reason(
    situation: str, breaks: Any, problem: str
) -> None:
    data = SEED.to_dict()
    breaks(data)

    with pytest.raises(RegistryError) as refused:
        Registry.from_dict(data)

    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_a_directory_without_former_names_keeps_its_version() -> None:
    without = SEED.to_dict()
    for institution in without["institutions"]:
        institution.pop("former_names", None)
    emptied = copy.deepcopy(without)
    for institution in emptied["institutions"]:
        institution["former_names"] = []

    assert Registry.from_dict(without).version == Registry.from_dict(emptied).version
    assert Registry.from_dict(without).version != SEED.version


def test_a_territory_is_known_however_it_is_written() -> None:
    assert SEED.territory_chain(" ma-cas ") == ("MA-CAS", "MA-06", "MA")
    assert SEED.territory_chain("MA-13") is None
