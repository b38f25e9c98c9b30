"""What the directory says of each institution beyond its mandate: the zone it tells times in,
and its presentations in sign language and easy words, which must be served by this site."""

from __future__ import annotations

from typing import Any

import pytest

from routing.domain import Registry, RegistryError, load_seed_registry

SEED = load_seed_registry()


def with_presentations(institution_id: str, **presentations: str) -> dict[str, Any]:
    directory = SEED.to_dict()
    declared = next(i for i in directory["institutions"] if i["id"] == institution_id)
    declared["presentations"] = presentations
    return directory


def test_each_institution_tells_times_in_its_country_s_zone() -> None:
    zones = {i.id: i.time_zone for i in SEED.institutions.values()}

    assert zones["ma-mediateur"] == "Africa/Casablanca"
    assert zones["be-federal"] == "Europe/Brussels"
    assert zones["be-ostbelgien"] == "Europe/Brussels", "BE-DG counts on Belgium's calendar"
    assert zones["fr-ddd"] == "Europe/Paris"


def test_an_unknown_zone_or_a_zone_on_a_region_is_refused() -> None:
    unknown = SEED.to_dict()
    next(t for t in unknown["territories"] if t["code"] == "MA")["time_zone"] = "Africa/Atlantis"
    regional = SEED.to_dict()
    next(t for t in regional["territories"] if t["code"] == "MA-06")["time_zone"] = "UTC"

    with pytest.raises(RegistryError, match="territory 'MA': unknown time zone 'Africa/Atlantis'"):
        Registry.from_dict(unknown)
    with pytest.raises(RegistryError, match="territory 'MA-06': only a country has a time zone"):
        Registry.from_dict(regional)


def test_no_presentation_is_published_until_the_directory_names_one() -> None:
    institution = SEED.institutions["be-federal"]

    assert institution.sign_language_video is None
    assert institution.easy_read is None


def test_a_presentation_on_this_site_is_kept() -> None:
    registry = Registry.from_dict(
        with_presentations(
            "be-federal",
            sign_language_video="/media/be-federal/lsfb.mp4",
            easy_read="/media/be-federal/easy-read.html",
        )
    )

    institution = registry.institutions["be-federal"]
    assert institution.sign_language_video == "/media/be-federal/lsfb.mp4"
    assert institution.easy_read == "/media/be-federal/easy-read.html"
    assert registry.institutions["be-unia"].easy_read is None


@pytest.mark.parametrize(
    "address",
    [
        "https://videos.example.com/be-federal.mp4",
        "http://example.org/easy.html",
        "//cdn.example.com/easy.html",
        "/\\cdn.example.com/easy.html",
        "media/easy.html",
        "javascript:alert(1)",
        "data:text/html,hello",
    ],
)
def test_a_presentation_elsewhere_is_refused_naming_the_institution(address: str) -> None:
    with pytest.raises(RegistryError) as refused:
        Registry.from_dict(with_presentations("be-federal", easy_read=address))

    [problem] = refused.value.problems
    assert problem.startswith(f"institution 'be-federal': presentation easy_read {address!r}")
    assert "is not a path on this site" in problem
    assert "starting with a single '/'" in problem


def test_a_path_with_spaces_is_refused() -> None:
    with pytest.raises(RegistryError, match="must not contain spaces"):
        Registry.from_dict(with_presentations("ma-cndh", sign_language_video="/media/a b.mp4"))


def test_an_unknown_kind_of_presentation_is_refused() -> None:
    with pytest.raises(RegistryError, match=r"presentations\.podcast"):
        Registry.from_dict(with_presentations("ma-cndh", podcast="/media/a.mp3"))
