"""Placing a complaint from its latitude and longitude alone, on boundaries shipped in a wheel."""

import pytest

from gateway.open311.places import territories_at


@pytest.mark.parametrize(
    ("latitude", "longitude", "territories"),
    [
        pytest.param(34.02, -6.83, ("MA-04", "MA"), id="Rabat"),
        pytest.param(33.57, -7.59, ("MA-06", "MA"), id="Casablanca"),
        pytest.param(35.77, -5.80, ("MA-01", "MA"), id="Tangier"),
        pytest.param(27.15, -13.20, ("MA-11", "MA"), id="Laayoune"),
        pytest.param(23.70, -15.94, ("MA-12", "MA"), id="Dakhla, on a spit the coast misses"),
        pytest.param(50.85, 4.35, ("BE-BRU", "BE"), id="Brussels"),
        pytest.param(50.63, 5.57, ("BE-WLG", "BE-WAL", "BE"), id="Liege"),
        pytest.param(50.93, 5.34, ("BE-VLI", "BE-VLG", "BE"), id="Hasselt"),
        pytest.param(48.8566, 2.3522, ("FR-IDF", "FR"), id="Paris"),
        pytest.param(45.76, 4.84, ("FR-ARA", "FR"), id="Lyon"),
        pytest.param(41.92, 8.74, ("FR-20R", "FR"), id="Ajaccio, on the seafront"),
        pytest.param(-20.88, 55.45, ("FR-974", "FR"), id="Saint-Denis de La Reunion"),
        pytest.param(16.24, -61.53, ("FR-971", "FR"), id="Pointe-a-Pitre"),
        pytest.param(52.52, 13.40, ("DE",), id="Berlin, a country outside the network"),
    ],
)
def test_a_point_on_land_is_placed_in_its_territories_finest_first(
    latitude: float, longitude: float, territories: tuple[str, ...]
) -> None:
    assert territories_at(latitude, longitude) == territories


def test_a_region_that_2015_split_is_answered_with_the_country_alone() -> None:
    # Agadir's region of 1997, Souss-Massa-Draa, went to MA-09 and MA-08: the data cannot tell.
    assert territories_at(30.42, -9.60) == ("MA",)


def test_western_sahara_east_of_the_berm_is_answered_as_western_sahara() -> None:
    assert territories_at(26.16, -10.57) == ("EH",)


def test_a_point_at_sea_is_in_no_territory() -> None:
    assert territories_at(40.0, -30.0) == ()


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(90.5, 0.0), (-91.0, 0.0), (0.0, 180.5), (0.0, -181.0), (float("nan"), 0.0)],
)
def test_a_point_off_the_globe_is_refused(latitude: float, longitude: float) -> None:
    with pytest.raises(ValueError, match="between"):
        territories_at(latitude, longitude)
