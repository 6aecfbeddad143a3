from dataclasses import dataclass

import pytest
from nocopy_service.domain.readiness import point_copy_status, readiness_mode


@dataclass(frozen=True)
class Copies:
    id_card_copy: str
    house_registration_copy: str


def test_no_services_answered_means_copies_are_still_required() -> None:
    assert point_copy_status([]) == "required"


def test_cancelled_when_every_service_cancelled_both_copies() -> None:
    services = [Copies("cancelled", "cancelled"), Copies("cancelled", "cancelled")]
    assert point_copy_status(services) == "cancelled"


@pytest.mark.parametrize(
    "services",
    [
        [Copies("cancelled", "in_progress")],
        [Copies("in_progress", "required")],
        [Copies("cancelled", "cancelled"), Copies("required", "in_progress")],
    ],
)
def test_in_progress_when_not_all_cancelled_and_any_copy_in_progress(services: list[Copies]) -> None:
    assert point_copy_status(services) == "in_progress"


@pytest.mark.parametrize(
    "services",
    [
        [Copies("required", "required")],
        [Copies("cancelled", "required")],
        [Copies("cancelled", "cancelled"), Copies("required", "cancelled")],
    ],
)
def test_required_when_not_all_cancelled_and_nothing_in_progress(services: list[Copies]) -> None:
    assert point_copy_status(services) == "required"


def test_status_accepts_a_generator() -> None:
    assert point_copy_status(Copies("cancelled", "cancelled") for _ in range(3)) == "cancelled"


@pytest.mark.parametrize(
    ("mou_with_dopa", "card_readers", "mode"),
    [
        (True, 2, "online_and_on_card"),
        (True, 1, "online_and_on_card"),
        (False, 1, "on_card"),
        (True, 0, "needs_reader"),
        (False, 0, "needs_reader"),
    ],
)
def test_mode_follows_from_mou_and_readers(mou_with_dopa: bool, card_readers: int, mode: str) -> None:
    assert readiness_mode(mou_with_dopa=mou_with_dopa, card_readers=card_readers) == mode
