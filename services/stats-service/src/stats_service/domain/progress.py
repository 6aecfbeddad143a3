"""Progress counts as officials read them (seed 004): each "not" column follows from its "yes" column."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressCounts:
    """Distinct listed service points. A point with no survey counts as surveyed = no and as
    copy not cancelled; copy_cancelled and copy_in_progress count surveyed points only."""

    service_points: int = 0
    pinned: int = 0
    surveyed: int = 0
    copy_cancelled: int = 0
    copy_in_progress: int = 0

    @property
    def not_pinned(self) -> int:
        return self.service_points - self.pinned

    @property
    def not_surveyed(self) -> int:
        return self.service_points - self.surveyed

    @property
    def copy_not_cancelled(self) -> int:
        return self.service_points - self.copy_cancelled
