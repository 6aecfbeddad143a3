"""Fixed-window limits on anonymous writes: which counters a write bumps and what each may reach.

Counter ids are plain strings (window start in the id), so every replica bumps the same document with
one `$inc` upsert on `_id`, the one upsert that the MongoDB-wire server keys correctly.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from feedback_service.config import FeedbackSettings


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


def _day(now: datetime) -> tuple[str, datetime]:
    day = now.astimezone(UTC).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    return day.isoformat(), midnight


def rating_counters(settings: FeedbackSettings, *, client: str, point_id: str, now: datetime) -> list[Counter]:
    start, window_end = _window(now, settings.rate_limit_window_seconds)
    day, midnight = _day(now)
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
        Counter(
            f"rating:client-point:{client}:{point_id}:{day}",
            settings.ratings_per_client_per_point_per_day,
            midnight,
            "the daily number of ratings of this service point from this client is reached",
        ),
    ]


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
