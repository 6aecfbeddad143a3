"""Pin rules that need no I/O: quality flags, the grid used to find near neighbours, and the pin id an
idempotency key stands for."""

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from pin_service.domain.distance import distance_km

LOW_ACCURACY_METRES = 100.0
DUPLICATE_RADIUS_METRES = 30.0
# Grid cells of 0.0005° (≈ 55 m north–south, less east–west away from the equator): two points within
# 30 m lie in the same or an adjacent cell, so the 3×3 block around a pin holds every candidate.
GRID_DEGREES = 0.0005
FLAG_ORDER = ("outside_thailand", "far_from_district", "possible_duplicate", "low_accuracy")


def grid_cell(lat: float, lon: float) -> str:
    return f"{math.floor(lat / GRID_DEGREES)}:{math.floor(lon / GRID_DEGREES)}"


def neighbouring_cells(lat: float, lon: float) -> list[str]:
    row, column = math.floor(lat / GRID_DEGREES), math.floor(lon / GRID_DEGREES)
    return [f"{row + dr}:{column + dc}" for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


# Slack for treating a cell as a flat rectangle when measuring how near it comes (metres; the error at
# this scale is far below one).
CELL_REACH_SLACK_METRES = 1.0


def cells_within_duplicate_radius(lat: float, lon: float) -> list[str]:
    """The cells of the 3×3 block that come within the duplicate radius of the point: every point that
    could be a duplicate is in one of them. Usually 2–4 of the 9, so fewer reads per pin."""
    row, column = math.floor(lat / GRID_DEGREES), math.floor(lon / GRID_DEGREES)
    near = []
    for d_row in (-1, 0, 1):
        for d_column in (-1, 0, 1):
            south, west = (row + d_row) * GRID_DEGREES, (column + d_column) * GRID_DEGREES
            closest_lat = min(max(lat, south), south + GRID_DEGREES)
            closest_lon = min(max(lon, west), west + GRID_DEGREES)
            reach = distance_km(lat, lon, closest_lat, closest_lon) * 1000
            if reach <= DUPLICATE_RADIUS_METRES + CELL_REACH_SLACK_METRES:
                near.append(f"{row + d_row}:{column + d_column}")
    return near


@dataclass(frozen=True, slots=True)
class PinnedPlace:
    """Where a pinned point is, as far as the duplicate rule cares."""

    service_point_id: str
    department_id: str | None
    lat: float
    lon: float


def is_possible_duplicate(
    lat: float, lon: float, department_id: str, nearby: Iterable[PinnedPlace], *, other_than: str
) -> bool:
    """Whether another point of the same department is pinned within the duplicate radius."""
    return any(
        place.service_point_id != other_than
        and place.department_id == department_id
        and distance_km(lat, lon, place.lat, place.lon) * 1000 <= DUPLICATE_RADIUS_METRES
        for place in nearby
    )


# Pin ids that idempotency keys stand for: the same key for the same point is always the same pin.
IDEMPOTENT_PIN_NAMESPACE = uuid.UUID("8f0c6c1e-4f4a-5d0e-9d55-2f7c0e1b6a11")


def idempotent_pin_id(service_point_id: str, idempotency_key: str) -> str:
    return str(uuid.uuid5(IDEMPOTENT_PIN_NAMESPACE, f"{service_point_id}\n{idempotency_key}"))


@dataclass(frozen=True, slots=True)
class PinPrecondition:
    """What the client saw when it made the pin: the point's latest pin then (`None`: not pinned yet).
    A pin made offline carries it, so a re-pin made meanwhile by someone else is not silently overwritten."""

    expected_current_pin_id: str | None


def current_pin_id(pins: list[dict]) -> str | None:
    """The point's current pin: the latest of its history (pins are only ever appended)."""
    return pins[-1].get("pin_id") if pins else None


def precondition_holds(current: str | None, precondition: PinPrecondition | None) -> bool:
    """No precondition always holds; otherwise the point's current pin must be the one expected."""
    return precondition is None or precondition.expected_current_pin_id == current


def quality_flags(
    *,
    accuracy_m: float | None,
    outside_thailand: bool = False,
    far_from_district: bool = False,
    possible_duplicate: bool = False,
) -> list[str]:
    raised = {
        "outside_thailand": outside_thailand,
        # Abroad says more than "far from its district"; one flag is enough.
        "far_from_district": far_from_district and not outside_thailand,
        "possible_duplicate": possible_duplicate,
        "low_accuracy": accuracy_m is not None and accuracy_m > LOW_ACCURACY_METRES,
    }
    return [flag for flag in FLAG_ORDER if raised[flag]]


# What each flag means, Thai first: shown to whoever pins, before and after saving, in words.
FLAG_WORDS: dict[str, tuple[str, str]] = {
    "outside_thailand": (
        "ตำแหน่งนี้อยู่นอกประเทศไทย (หรือกลางทะเล)",
        "This place is outside Thailand (or out at sea)",
    ),
    "far_from_district": (
        "ตำแหน่งนี้อยู่ไกลจากอำเภอ/เขตของจุดให้บริการ",
        "This place is far from the service point's district",
    ),
    "possible_duplicate": (
        "มีจุดให้บริการอื่นของหน่วยงานปักหมุดไว้ใกล้ตำแหน่งนี้มาก (อาจซ้ำกัน)",
        "Another point of the department is pinned very close by (a possible duplicate)",
    ),
    "low_accuracy": (
        "ตำแหน่งจากอุปกรณ์คลาดเคลื่อนได้มากกว่า 100 เมตร",
        "The device's location may be more than 100 m off",
    ),
}


def flag_notes(flags: list[str]) -> list[dict[str, str]]:
    """The flags in words, Thai and English, in the order they were raised."""
    notes = []
    for flag in flags:
        th, en = FLAG_WORDS.get(flag, (flag, flag))
        notes.append({"flag": flag, "th": th, "en": en})
    return notes
