"""Filing a complaint, from the citizen API or Open311: point, limits, one insert with its event."""

from dataclasses import dataclass
from datetime import datetime

from citizeninfo_shared.events.complaints import ComplaintContact
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.keys import Purpose, keys_for
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.topics import TopicName
from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from feedback_service.adapters.complaint_store import COMPLAINTS_COLLECTION, ComplaintStore, StoredComplaint
from feedback_service.adapters.rate_limiter import RateLimiter
from feedback_service.config import FeedbackSettings
from feedback_service.domain.complaint import INITIAL_STATUS, Category, StatusEntry, file_complaint
from feedback_service.domain.complaint_deadlines import due_at
from feedback_service.domain.contact_sealing import for_publication, new_data_key
from feedback_service.domain.rate_limits import complaint_counters
from feedback_service.domain.rating import ServiceNotOffered
from feedback_service.domain.tracking_codes import new_code, public_request_id
from feedback_service.service_layer.abuse import enforce
from feedback_service.service_layer.catalogue_lookup import known_point, service_not_offered

EVENT_SOURCE = "/citizeninfo/feedback-service/complaints"
COMPLAINTS_FILED = Counter("citizeninfo_feedback_complaints_filed_total", "Complaints stored", ["channel"])


@dataclass(frozen=True, slots=True)
class ComplaintRequest:
    service_point_id: str
    category: Category
    description: str
    consent_to_contact: bool
    contact: ComplaintContact | None = None
    service_id: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class ComplaintIntake:
    settings: FeedbackSettings
    store: ComplaintStore
    limiter: RateLimiter
    catalogue: object
    relay: object

    async def file(self, request: ComplaintRequest, *, client: str, channel: str, now: datetime) -> StoredComplaint:
        point = await known_point(self.catalogue, request.service_point_id)
        await enforce(
            self.limiter,
            complaint_counters(self.settings, client=client, point_id=point.service_point_id, now=now),
            now,
        )
        # 50 random bits: a clash is rare, and the insert itself detects it; a new code then.
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(DuplicateKeyError), stop=stop_after_attempt(3), reraise=True
        ):
            with attempt:
                code = new_code()
                try:
                    complaint = file_complaint(
                        code=code,
                        point=point,
                        category=request.category,
                        description=request.description,
                        contact=request.contact,
                        consent_to_contact=request.consent_to_contact,
                        service_id=request.service_id,
                        channel=channel,
                        filed_at=now,
                        due_at=due_at(request.category, now, self.settings.complaint_target_business_days),
                    )
                except ServiceNotOffered as error:
                    raise service_not_offered(point, str(error)) from error
                # The contact goes on the topic only sealed, under a key of this complaint's own.
                data_key = new_data_key() if complaint.contact is not None else None
                stored = StoredComplaint(
                    complaint=complaint,
                    status=INITIAL_STATUS,
                    history=[StatusEntry(status=INITIAL_STATUS, changed_at=now)],
                    lat=request.lat,
                    lon=request.lon,
                    public_id=public_request_id(code, keys_for(self.settings, Purpose.PUBLIC_COMPLAINT_ID)),
                    contact_key=data_key,
                )
                published = for_publication(complaint, data_key)
                event = CloudEvent.wrap(published, source=EVENT_SOURCE, subject=point.service_point_id)
                document = await self.store.add(code, stored, OutboxEntry.of(TopicName.COMPLAINTS, event))
        self.relay.notify_inserted(COMPLAINTS_COLLECTION, document)
        COMPLAINTS_FILED.labels(channel).inc()
        return stored
