"""Erasing a complainant's contact from every store, and handing its data key to the complaint system.

Where a contact lives: the complaint document (`contact`, in clear, for the department's staff and
admins) and its data key (`contact_key`); on `citizeninfo.complaints.v1` only sealed with that key; at
the national complaint system, which fetched the key. Erasure removes the contact and the key from the
document in one update that also stages `ComplaintContactErased` (so the complaint system erases its
copy): the sealed copies left on Kafka can no longer be opened, and the key route answers 410.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from citizeninfo_shared.events.complaints import ComplaintContactErased
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.outbox import OutboxEntry
from citizeninfo_shared.problems import Problem
from citizeninfo_shared.topics import TopicName
from prometheus_client import Counter

from feedback_service.adapters.complaint_store import COMPLAINTS_COLLECTION, ComplaintStore, ContactErasure
from feedback_service.domain.tracking_codes import complaint_id_of

EVENT_SOURCE = "/citizeninfo/feedback-service/complaints"
CONTACTS_ERASED = Counter(
    "citizeninfo_feedback_complaint_contacts_erased_total", "Complainants' contacts erased", ["requested_by"]
)


def _not_found(tracking_code: str) -> Problem:
    return Problem(404, f"ไม่พบเรื่องร้องเรียนรหัส {tracking_code} — no complaint with this tracking code.")


@dataclass(frozen=True, slots=True)
class ContactEraser:
    store: ComplaintStore
    relay: object

    async def erase(
        self, code: str, *, shown_as: str, requested_by: Literal["citizen", "admin"], now: datetime
    ) -> ContactErasure:
        stored = await self.store.get(code)
        if stored is None:
            raise _not_found(shown_as)
        erased = ComplaintContactErased(
            complaint_id=complaint_id_of(code),
            service_point_id=stored.complaint.service_point_id,
            erased_at=now,
            requested_by=requested_by,
        )
        event = CloudEvent.wrap(erased, source=EVENT_SOURCE, subject=stored.complaint.service_point_id)
        outcome = await self.store.erase_contact(
            code, erased_at=now, requested_by=requested_by, event=OutboxEntry.of(TopicName.COMPLAINTS, event)
        )
        if outcome is None:
            raise _not_found(shown_as)
        if outcome.erased_now:
            self.relay.notify(COMPLAINTS_COLLECTION, code)
            CONTACTS_ERASED.labels(requested_by).inc()
        return outcome


async def contact_key(store: ComplaintStore, code: str, *, shown_as: str) -> bytes:
    """The data key the complaint's sealed contact opens with: 404 without a contact, 410 once erased."""
    stored = await store.contact_key(code)
    if stored is None:
        raise _not_found(shown_as)
    if stored.contact_erased_at is not None:
        raise Problem(410, "ผู้ร้องเรียนขอลบข้อมูลติดต่อแล้ว — the complainant's contact was erased.", title="Erased")
    if stored.contact_key is None:
        raise Problem(404, "เรื่องนี้ไม่มีข้อมูลติดต่อที่ปิดผนึกไว้ — this complaint has no sealed contact.")
    return stored.contact_key
