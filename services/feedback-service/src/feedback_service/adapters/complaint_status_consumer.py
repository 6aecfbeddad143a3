"""Reads citizeninfo.complaint-status.v1 (the national complaint system) into the complaints' history.

At-least-once: offsets are committed after the batch is applied; each event id is handled once
(IdempotentHandler), and applying the same change twice leaves the history as it was anyway. An
event that is invalid (complaint_status_input), names no complaint of ours, or makes a transition the
status machine refuses is rejected: the shared follower parks it on the dead-letter topic and goes on.
"""

from collections.abc import Sequence

import structlog
from citizeninfo_shared.dead_letters import DeadLetters, EventRejected, describe
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.follower import TopicFollower
from citizeninfo_shared.idempotency import IdempotentHandler, ProcessedEvents
from citizeninfo_shared.topics import TopicName
from prometheus_client import Counter
from pydantic import ValidationError

from feedback_service.adapters.complaint_status_input import InboundStatusEvent
from feedback_service.adapters.complaint_store import COMPLAINTS_COLLECTION, ComplaintStore
from feedback_service.config import FeedbackSettings
from feedback_service.domain.complaint import history_after
from feedback_service.domain.complaint_status import IllegalTransition
from feedback_service.domain.tracking_codes import normalize
from feedback_service.service_layer.complaint_reopening import current_due, status_event

log = structlog.get_logger(__name__)

STATUS_UPDATES_IGNORED = Counter(
    "citizeninfo_feedback_complaint_status_ignored_total",
    "Complaint status events that could not be applied",
    ["reason"],
)
CONSUMER_NAME = "feedback-service.complaint-status"


class ComplaintStatusApplier:
    def __init__(
        self, store: ComplaintStore, settings: FeedbackSettings | None = None, relay: object | None = None
    ) -> None:
        self._store = store
        self._targets = settings.complaint_target_business_days if settings is not None else {}
        self._relay = relay

    async def __call__(self, event: CloudEvent) -> None:
        try:
            change = InboundStatusEvent.model_validate(event.model_dump()).data
        except ValidationError as error:
            STATUS_UPDATES_IGNORED.labels("unreadable").inc()
            raise EventRejected("invalid", describe(error)) from None
        code = normalize(change.complaint_id) or (normalize(change.tracking_code) if change.tracking_code else None)
        stored = await self._store.get(code) if code else None
        if stored is None:
            STATUS_UPDATES_IGNORED.labels("unknown_complaint").inc()
            raise EventRejected("unknown_complaint")
        try:
            history = history_after(stored.history, change, event.id)
        except IllegalTransition as error:
            STATUS_UPDATES_IGNORED.labels("illegal_transition").inc()
            raise EventRejected("illegal_transition", str(error)) from None
        if history is not stored.history:
            # The due time follows the history (an answer reopened by the complaint system restarts the
            # clock), and the new state goes out on citizeninfo.complaints.v1 in the same update.
            due = current_due(stored, history, self._targets)
            await self._store.replace_history(code, history, due_at=due, event=status_event(stored, history, due))
            if self._relay is not None:
                self._relay.notify(COMPLAINTS_COLLECTION, code)


def complaint_status_follower(
    store: ComplaintStore,
    processed: ProcessedEvents,
    bootstrap_servers: str,
    *,
    group_id: str,
    dead_letters: DeadLetters | None = None,
    settings: FeedbackSettings | None = None,
    relay: object | None = None,
) -> TopicFollower:
    """The shared consumer loop, each event applied once by id (offsets committed after each batch)."""
    handler = IdempotentHandler(CONSUMER_NAME, processed, ComplaintStatusApplier(store, settings, relay))

    async def apply(events: Sequence[CloudEvent]) -> None:
        for event in events:
            await handler(event)

    return TopicFollower(
        bootstrap_servers,
        [TopicName.COMPLAINT_STATUS],
        group_id=group_id,
        client_id="feedback-service-complaint-status",
        apply=apply,
        max_records=200,
        dead_letters=dead_letters,  # None: the dead-letter topic
    )
