"""The life of a complaint's status: which change may follow which (a small state machine, no I/O).

`received` is ours, set when the complaint is filed; the national complaint system sends the rest. A
complaint may skip steps (received → resolved), be passed on again while it is worked on, and a
resolved one may be reopened; `closed` is final. Changes arrive out of order, so a change is checked
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


_S = ComplaintStatus
ALLOWED_NEXT: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    _S.RECEIVED: frozenset({_S.FORWARDED, _S.IN_PROGRESS, _S.RESOLVED, _S.REJECTED, _S.CLOSED}),
    _S.FORWARDED: frozenset({_S.FORWARDED, _S.IN_PROGRESS, _S.RESOLVED, _S.REJECTED, _S.CLOSED}),
    _S.IN_PROGRESS: frozenset({_S.FORWARDED, _S.IN_PROGRESS, _S.RESOLVED, _S.REJECTED, _S.CLOSED}),
    _S.RESOLVED: frozenset({_S.IN_PROGRESS, _S.CLOSED}),  # reopened, or closed
    _S.REJECTED: frozenset({_S.CLOSED}),
    _S.CLOSED: frozenset(),
}
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
