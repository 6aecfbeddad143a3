"""Reads citizeninfo.complaint-status.v1 (the national complaint system) into the complaints' history.

At-least-once: offsets are committed after the batch is applied; each event id is handled once
(IdempotentHandler), and applying the same change twice leaves the history as it was anyway.
"""

import structlog
from aiokafka import AIOKafkaConsumer
from citizeninfo_shared.events.complaint_status import ComplaintStatusChanged
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.idempotency import IdempotentHandler, ProcessedEvents
from citizeninfo_shared.topics import TopicName
from prometheus_client import Counter
from pydantic import ValidationError

from feedback_service.adapters.complaint_store import ComplaintStore
from feedback_service.domain.complaint import history_after
from feedback_service.domain.tracking_codes import normalize

log = structlog.get_logger(__name__)

STATUS_UPDATES_IGNORED = Counter(
    "citizeninfo_feedback_complaint_status_ignored_total",
    "Complaint status events that could not be applied",
    ["reason"],
)
CONSUMER_NAME = "feedback-service.complaint-status"


class ComplaintStatusApplier:
    def __init__(self, store: ComplaintStore) -> None:
        self._store = store

    async def __call__(self, event: CloudEvent) -> None:
        try:
            change = event.data_as(ComplaintStatusChanged)
        except (ValidationError, ValueError) as error:
            STATUS_UPDATES_IGNORED.labels("unreadable").inc()
            log.warning("complaint_status_unreadable", event_id=event.id, error=str(error)[:300])
            return
        code = normalize(change.complaint_id) or (normalize(change.tracking_code) if change.tracking_code else None)
        stored = await self._store.get(code) if code else None
        if stored is None:
            STATUS_UPDATES_IGNORED.labels("unknown_complaint").inc()
            log.warning("complaint_status_for_unknown_complaint", event_id=event.id)
            return
        history = history_after(stored.history, change, event.id)
        if history is not stored.history:
            await self._store.replace_history(code, history)


class ComplaintStatusConsumer:
    def __init__(self, handler: IdempotentHandler, bootstrap_servers: str, *, group_id: str, client_id: str) -> None:
        self._handler = handler
        self._bootstrap_servers = bootstrap_servers
        self._group_id = group_id
        self._client_id = client_id

    @classmethod
    def for_store(
        cls, store: ComplaintStore, processed: ProcessedEvents, bootstrap_servers: str, *, group_id: str
    ) -> "ComplaintStatusConsumer":
        handler = IdempotentHandler(CONSUMER_NAME, processed, ComplaintStatusApplier(store))
        return cls(handler, bootstrap_servers, group_id=group_id, client_id="feedback-service-complaint-status")

    async def run(self) -> None:
        consumer = AIOKafkaConsumer(
            TopicName.COMPLAINT_STATUS,
            bootstrap_servers=self._bootstrap_servers,
            group_id=self._group_id,
            client_id=self._client_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        await consumer.start()
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=1_000, max_records=200)
                for records in batches.values():
                    for record in records:
                        try:
                            event = CloudEvent.from_json_bytes(record.value)
                        except (ValidationError, ValueError) as error:
                            STATUS_UPDATES_IGNORED.labels("unreadable").inc()
                            log.warning("complaint_status_record_unreadable", offset=record.offset, error=str(error))
                            continue
                        await self._handler(event)
                if batches:
                    await consumer.commit()
        finally:
            await consumer.stop()
