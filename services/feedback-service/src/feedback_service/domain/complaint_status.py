"""The life of a complaint's status: which change may follow which (a small state machine, no I/O).

`received` is ours, set when the complaint is filed; the national complaint system sends the rest. A
complaint may skip steps (received → resolved), be passed on again while it is worked on, and a
resolved one may be reopened (by the complaint system: `in_progress`; by the citizen within 14 days of an
answer, `resolved` or `rejected`: `reopened`); `closed` is final. Changes arrive out of order, so a change is checked
against its neighbours in time: the one before it must allow it, and it must allow the one after.
"""

from enum import StrEnum


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    CLOSED = "closed"
    REOPENED = "reopened"  # ours: the citizen reopened an answered complaint with its tracking code


_S = ComplaintStatus
ALLOWED_NEXT: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    _S.RECEIVED: frozenset({_S.FORWARDED, _S.IN_PROGRESS, _S.RESOLVED, _S.REJECTED, _S.CLOSED}),
    _S.FORWARDED: frozenset({_S.FORWARDED, _S.IN_PROGRESS, _S.RESOLVED, _S.REJECTED, _S.CLOSED}),
    _S.IN_PROGRESS: frozenset({_S.FORWARDED, _S.IN_PROGRESS, _S.RESOLVED, _S.REJECTED, _S.CLOSED}),
    _S.RESOLVED: frozenset({_S.IN_PROGRESS, _S.CLOSED, _S.REOPENED}),  # reopened (theirs or the citizen's), closed
    _S.REJECTED: frozenset({_S.CLOSED, _S.REOPENED}),
    _S.CLOSED: frozenset(),
    # Worked on again like a new complaint (answered again, passed on, closed); never reopened twice in a row.
    _S.REOPENED: frozenset({_S.FORWARDED, _S.IN_PROGRESS, _S.RESOLVED, _S.REJECTED, _S.CLOSED}),
}
# The statuses that answer the citizen: a complaint in one of them may be reopened (domain/complaint_reopening).
ANSWERED = frozenset({ComplaintStatus.RESOLVED, ComplaintStatus.REJECTED})
INITIAL = ComplaintStatus.RECEIVED


class IllegalTransition(ValueError):
    """A status change the life of a complaint does not allow (closed → in_progress, … → received)."""

    def __init__(self, before: str | None, after: str) -> None:
        super().__init__(f"{before or 'nothing'} → {after}")
        self.before = before
        self.after = after


def may_follow(before: str | None, after: str) -> bool:
    """Whether `after` may come right after `before` (None: the very first status, only `received`)."""
    if before is None:
        return after == INITIAL
    try:
        return ComplaintStatus(after) in ALLOWED_NEXT[ComplaintStatus(before)]
    except ValueError:
        return False


def check_place(statuses: list[str], index: int) -> None:
    """Raises IllegalTransition unless the status at `index` of the time-ordered statuses fits between
    its neighbours (only its neighbours: an old history is not judged again)."""
    before = statuses[index - 1] if index > 0 else None
    status = statuses[index]
    if not may_follow(before, status):
        raise IllegalTransition(before, status)
    if index + 1 < len(statuses) and not may_follow(status, statuses[index + 1]):
        raise IllegalTransition(status, statuses[index + 1])
