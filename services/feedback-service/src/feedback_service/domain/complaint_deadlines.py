"""When a complaint must be answered, and whether it is late (pure; the clock is always passed in).

Target times are counted in **business days** (Monday to Friday in Bangkok time): departments answer on
working days, and a complaint filed on Friday evening should not be late on Monday because of a weekend.
Thai public holidays are not counted out (a table kept by the Cabinet each year; out of scope). A target
of 0 days makes a complaint due at once (useful for a category that must never wait).

The clock starts when the complaint is filed, and again when the citizen reopens it (a reopened
complaint gets the whole target again: the department has to look at it anew).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")

# Business days to an answer, per category. Chosen from the 15 working days the Administrative
# Facilitation Act and the Damrongdhama centres give for a complaint, shorter where the remedy is
# quick (a demanded copy, a wait, wrong information), longer where a case must be investigated.
DEFAULT_TARGET_BUSINESS_DAYS: dict[str, int] = {
    "asked_for_copy": 5,
    "waiting_time": 7,
    "wrong_information": 7,
    "facilities": 15,
    "fees": 10,
    "staff_conduct": 15,
    "corruption": 30,
    "other": 15,
}
FALLBACK_TARGET_BUSINESS_DAYS = 15

# Statuses in which an answer is still awaited.
OPEN_STATUSES = frozenset({"received", "forwarded", "in_progress", "reopened"})


def target_days(category: str, targets: Mapping[str, int] | None = None) -> int:
    table = DEFAULT_TARGET_BUSINESS_DAYS if targets is None else {**DEFAULT_TARGET_BUSINESS_DAYS, **targets}
    return table.get(category, table.get("other", FALLBACK_TARGET_BUSINESS_DAYS))


def add_business_days(start: datetime, days: int) -> datetime:
    """`start` moved `days` working days on (same time of day, Bangkok calendar); a start on a weekend
    counts from the following Monday's same time. Needs a time zone."""
    if start.utcoffset() is None:
        raise ValueError("a deadline needs a time with a time zone")
    if days < 0:
        raise ValueError("a target cannot be negative")
    local = start.astimezone(BANGKOK)
    while local.weekday() >= 5:
        local += timedelta(days=1)
    remaining = days
    while remaining > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            remaining -= 1
    return local.astimezone(start.tzinfo)


def due_at(category: str, started_at: datetime, targets: Mapping[str, int] | None = None) -> datetime:
    """When an answer is due for a complaint of this category whose clock started at `started_at`."""
    return add_business_days(started_at, target_days(category, targets))


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class Deadline:
    due_at: datetime | None  # None once answered (nothing is due)
    overdue: bool
    late_by: timedelta | None  # how late, when overdue

    @property
    def late_by_hours(self) -> int | None:
        return None if self.late_by is None else int(self.late_by.total_seconds() // 3600)


def deadline(status: str, due: datetime | None, now: datetime) -> Deadline:
    """Whether a complaint in `status` that was due at `due` is overdue at `now`."""
    if not is_open(status) or due is None:
        return Deadline(None if not is_open(status) else due, False, None)
    if now > due:
        return Deadline(due, True, now - due)
    return Deadline(due, False, None)
