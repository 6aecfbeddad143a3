"""Where the demo pins its points: near a real place of the point's district (GeoNames via
ThaiGeography), a few hundred metres off, as a phone at the office would. Seeded."""

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pin_service.adapters.geography import EARTH_RADIUS_KM, Place

JITTER_METRES = (40.0, 450.0)
ACCURACY_METRES = (4.0, 35.0)


class Places(Protocol):
    def places_of(self, province_code: str, district_code: str | None) -> tuple[list[Place], str]: ...


@dataclass(frozen=True, slots=True)
class PlannedPin:
    service_point_id: str
    lat: float
    lon: float
    accuracy_m: float

    def body(self) -> dict[str, float]:
        return {"lat": self.lat, "lon": self.lon, "accuracy_m": self.accuracy_m}

    def item(self, idempotency_key: str) -> dict[str, Any]:
        """The pin as an item of POST /pins:batch."""
        return {"service_point_id": self.service_point_id, **self.body(), "idempotency_key": idempotency_key}


def offset(lat: float, lon: float, metres: float, bearing_degrees: float) -> tuple[float, float]:
    """The point `metres` away in direction `bearing_degrees` (small distances: flat-earth is exact enough)."""
    bearing = math.radians(bearing_degrees)
    d_lat = metres * math.cos(bearing) / (EARTH_RADIUS_KM * 1000)
    d_lon = metres * math.sin(bearing) / (EARTH_RADIUS_KM * 1000 * math.cos(math.radians(lat)))
    return lat + math.degrees(d_lat), lon + math.degrees(d_lon)


def plan_pins(points: Iterable[dict[str, Any]], places: Places, *, seed: int, share: float) -> list[PlannedPin]:
    """About `share` of the points, each near a random known place of its district (else province)."""
    rng = random.Random(f"{seed}:pins")  # noqa: S311 - reproducible demo data, not secrets
    planned = []
    for point in points:
        # Draw for every point, pinned or not, so a point's pin does not depend on the share.
        chosen = rng.random() < share
        pick, metres, bearing = rng.random(), rng.uniform(*JITTER_METRES), rng.uniform(0, 360)
        accuracy = round(rng.uniform(*ACCURACY_METRES), 1)
        if not chosen:
            continue
        candidates, _level = places.places_of(point["province_code"], point.get("district_code"))
        if not candidates:
            continue
        place = candidates[int(pick * len(candidates))]
        lat, lon = offset(place.lat, place.lon, metres, bearing)
        planned.append(PlannedPin(point["id"], round(lat, 6), round(lon, 6), accuracy))
    return planned
