"""Reopening an answered complaint (the citizen with the tracking code), and the status snapshot event
every applied status change publishes on citizeninfo.complaints.v1 (`ComplaintStatusUpdated`)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from citizeninfo_shared.events.complaints import ComplaintStatusUpdated
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.privacy import redact
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.topics import TopicName
from prometheus_client import Counter

from feedback_service.adapters.complaint_store import COMPLAINTS_COLLECTION, ComplaintStore, StoredComplaint
from feedback_service.config import FeedbackSettings
from feedback_service.domain.complaint import StatusEntry, answered_at, clock_started_at
from feedback_service.domain.complaint_deadlines import due_at, is_open
from feedback_service.domain.complaint_reopening import ReopenPolicy, ReopenRefused, check_reopen, reopen_count
from feedback_service.domain.complaint_status import ComplaintStatus

EVENT_SOURCE = "/citizeninfo/feedback-service/complaints"
COMPLAINTS_REOPENED = Counter("citizeninfo_feedback_complaints_reopened_total", "Complaints reopened by citizens")


def reopen_policy(settings: FeedbackSettings) -> ReopenPolicy:
    return ReopenPolicy(
        window=timedelta(days=settings.complaint_reopen_window_days), max_reopens=settings.complaint_max_reopens
    )


def current_due(stored: StoredComplaint, history: list[StatusEntry], targets: Mapping[str, int]) -> datetime:
    """The due time for this history: the category's target from when the current wait began."""
    started = clock_started_at(history, stored.complaint.filed_at)
    return due_at(stored.complaint.category, started, targets)


def status_event(
    stored: StoredComplaint, history: list[StatusEntry], due: datetime | None, reason: str | None = None
) -> OutboxEntry:
    complaint = stored.complaint
    last = history[-1]
    snapshot = ComplaintStatusUpdated(
        complaint_id=complaint.complaint_id,
        service_point_id=complaint.service_point_id,
        category=complaint.category,
        status=last.status,
        open=is_open(last.status),
        due_at=due if is_open(last.status) else None,
        changed_at=last.changed_at,
        sequence=len(history),
        reopen_count=reopen_count([e.status for e in history]),
        reason=reason,
        department_id=complaint.department_id,
        ministry_id=complaint.ministry_id,
        province_code=complaint.province_code,
    )
    event = CloudEvent.wrap(snapshot, source=EVENT_SOURCE, subject=complaint.service_point_id)
    return OutboxEntry.of(TopicName.COMPLAINTS, event)


@dataclass(frozen=True, slots=True)
class ComplaintReopener:
    settings: FeedbackSettings
    store: ComplaintStore
    relay: object

    async def reopen(self, code: str, *, shown_as: str, reason: str, now: datetime) -> StoredComplaint:
        stored = await self.store.get(code)
        if stored is None:
            raise Problem(404, f"ไม่พบเรื่องร้องเรียนรหัส {shown_as} — no complaint with this tracking code.")
        statuses = [e.status for e in stored.history]
        try:
            check_reopen(statuses, answered_at(stored.history), now, reopen_policy(self.settings))
        except ReopenRefused as refused:
            raise Problem(409, refused.reason, title="Cannot reopen", reason=refused.code) from None
        # Never before the answer it reopens (a clock that is behind would misplace it in the history).
        changed_at = max(now, stored.history[-1].changed_at)
        note = redact(reason)
        reopened = StatusEntry(status=ComplaintStatus.REOPENED.value, note=note, changed_at=changed_at)
        history = [*stored.history, reopened]
        # The whole target again, counted from the reopening.
        due = current_due(stored, history, self.settings.complaint_target_business_days)
        stored_now = await self.store.replace_history(
            code,
            history,
            due_at=due,
            event=status_event(stored, history, due, reason=note),
            expected_length=len(stored.history),
        )
        if not stored_now:
            raise Problem(409, "สถานะของเรื่องนี้เพิ่งเปลี่ยน โปรดลองใหม่ — the status just changed; try again.")
        self.relay.notify(COMPLAINTS_COLLECTION, code)
        COMPLAINTS_REOPENED.inc()
        complaint = stored.complaint.model_copy(update={"due_at": due})
        return stored.model_copy(update={"complaint": complaint, "status": history[-1].status, "history": history})
