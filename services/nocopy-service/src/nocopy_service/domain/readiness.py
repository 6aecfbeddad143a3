"""The No-Copy rules of the readiness survey: a point's copy status and its card-reading mode."""

from collections.abc import Iterable
from typing import Protocol

from citizeninfo_shared.events.readiness import CopyStatus, ReadinessMode


class ServiceCopies(Protocol):
    """One service's answer: is each photocopy still demanded, being phased out, or cancelled."""

    @property
    def id_card_copy(self) -> CopyStatus: ...

    @property
    def house_registration_copy(self) -> CopyStatus: ...


def point_copy_status(services: Iterable[ServiceCopies]) -> CopyStatus:
    """`cancelled` only when every service has both copies cancelled; a survey naming no service has
    cancelled nothing, so it is `required`."""
    statuses = [s for service in services for s in (service.id_card_copy, service.house_registration_copy)]
    if statuses and all(s == "cancelled" for s in statuses):
        return "cancelled"
    if "in_progress" in statuses:
        return "in_progress"
    return "required"


def readiness_mode(*, mou_with_dopa: bool, card_readers: int) -> ReadinessMode:
    """A reader alone allows reading the chip (On-Card); checking it online also needs the DOPA MOU."""
    if card_readers <= 0:
        return "needs_reader"
    return "online_and_on_card" if mou_with_dopa else "on_card"
