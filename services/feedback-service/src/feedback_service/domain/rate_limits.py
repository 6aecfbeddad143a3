"""Limits on anonymous writes: the fixed-window counters a write bumps, and the daily rating cap.

Counter ids are plain strings with the window start in them, so a new window is a new counter. The
daily cap per client and point is a set of numbered slots for the Thai calendar day: a rating takes
the first free one, so the cap is enforced by the store's unique index, across replicas and restarts.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from feedback_service.config import FeedbackSettings

THAI_TIME = ZoneInfo("Asia/Bangkok")


@dataclass(frozen=True, slots=True)
class Counter:
    counter_id: str
    limit: int
    resets_at: datetime
    reason: str  # English half of the 429 detail


@dataclass(frozen=True, slots=True)
class Exceeded:
    counter: Counter
    retry_after_seconds: int


def _window(now: datetime, seconds: int) -> tuple[int, datetime]:
    start = int(now.timestamp()) // seconds * seconds
    return start, datetime.fromtimestamp(start + seconds, UTC)


def _thai_day(now: datetime) -> tuple[str, datetime]:
    day = now.astimezone(THAI_TIME).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=THAI_TIME) + timedelta(days=1)
    return day.isoformat(), midnight.astimezone(UTC)


def rating_counters(settings: FeedbackSettings, *, client: str, point_id: str, now: datetime) -> list[Counter]:
    start, window_end = _window(now, settings.rate_limit_window_seconds)
    return [
        Counter(
            f"rating:client:{client}:{start}",
            settings.ratings_per_client_per_window,
            window_end,
            "too many ratings from this client",
        ),
        Counter(
            f"rating:point:{point_id}:{start}",
            settings.ratings_per_point_per_window,
            window_end,
            "too many ratings for this service point",
        ),
    ]


@dataclass(frozen=True, slots=True)
class DailyCap:
    """The slots a client's ratings of one point may take on one Thai calendar day."""

    slots: tuple[str, ...]
    resets_at: datetime  # the next midnight in Thailand

    def retry_after_seconds(self, now: datetime) -> int:
        return max(1, int((self.resets_at - now).total_seconds()))


def daily_rating_cap(settings: FeedbackSettings, *, client: str, point_id: str, now: datetime) -> DailyCap:
    day, midnight = _thai_day(now)
    limit = settings.ratings_per_client_per_point_per_day
    return DailyCap(tuple(f"{client}:{point_id}:{day}:{n}" for n in range(1, limit + 1)), midnight)


def complaint_counters(settings: FeedbackSettings, *, client: str, point_id: str, now: datetime) -> list[Counter]:
    start, window_end = _window(now, settings.rate_limit_window_seconds)
    return [
        Counter(
            f"complaint:client:{client}:{start}",
            settings.complaints_per_client_per_window,
            window_end,
            "too many complaints from this client",
        ),
        Counter(
            f"complaint:point:{point_id}:{start}",
            settings.complaints_per_point_per_window,
            window_end,
            "too many complaints for this service point",
        ),
    ]


def first_exceeded(counts: list[tuple[Counter, int]], now: datetime) -> Exceeded | None:
    """The first counter past its limit after this write, with how long until it resets (≥ 1 s)."""
    for counter, count in counts:
        if count > counter.limit:
            wait = max(1, int((counter.resets_at - now).total_seconds() + 0.999))
            return Exceeded(counter, wait)
    return None
