"""Reopening an answered complaint by the citizen holding its tracking code (pure, clock passed in).

Allowed when the complaint's latest status is an answer (`resolved` or `rejected`), within
`window` (14 days by default, calendar days: the citizen's own time, not the department's) of that
answer, and fewer than `max_reopens` times (3 by default) over its life — a bound on abuse.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from feedback_service.domain.complaint_status import ANSWERED, ComplaintStatus

REOPEN_WINDOW = timedelta(days=14)
MAX_REOPENS = 3


class ReopenRefused(ValueError):
    """Why this complaint cannot be reopened now: a Thai/English reason for the citizen."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ReopenPolicy:
    window: timedelta = REOPEN_WINDOW
    max_reopens: int = MAX_REOPENS


@dataclass(frozen=True, slots=True)
class Reopenability:
    allowed: bool
    until: datetime | None  # the end of the window, when the complaint is answered
    reopens_left: int


def reopen_count(statuses: list[str]) -> int:
    return sum(1 for status in statuses if status == ComplaintStatus.REOPENED)


def reopenability(
    statuses: list[str], answered_at: datetime | None, now: datetime, policy: ReopenPolicy
) -> Reopenability:
    left = max(0, policy.max_reopens - reopen_count(statuses))
    if not statuses or statuses[-1] not in ANSWERED or answered_at is None:
        return Reopenability(False, None, left)
    until = answered_at + policy.window
    return Reopenability(left > 0 and now <= until, until, left)


def check_reopen(statuses: list[str], answered_at: datetime | None, now: datetime, policy: ReopenPolicy) -> None:
    """Raises ReopenRefused (with the reason) unless the complaint may be reopened at `now`."""
    if not statuses or statuses[-1] not in ANSWERED or answered_at is None:
        raise ReopenRefused(
            "not_answered",
            "เรื่องนี้ยังไม่ได้รับคำตอบ จึงยังเปิดใหม่ไม่ได้ — only an answered complaint can be reopened.",
        )
    if reopen_count(statuses) >= policy.max_reopens:
        raise ReopenRefused(
            "too_many_reopens",
            f"เปิดเรื่องนี้ใหม่ครบ {policy.max_reopens} ครั้งแล้ว โปรดยื่นเรื่องร้องเรียนใหม่ — "
            f"this complaint was already reopened {policy.max_reopens} times; please file a new complaint.",
        )
    if now > answered_at + policy.window:
        days = policy.window.days
        raise ReopenRefused(
            "window_passed",
            f"พ้นกำหนด {days} วันหลังได้รับคำตอบแล้ว โปรดยื่นเรื่องร้องเรียนใหม่ — "
            f"more than {days} days have passed since the answer; please file a new complaint.",
        )
