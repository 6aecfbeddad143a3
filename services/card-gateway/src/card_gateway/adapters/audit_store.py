"""The append-only audit of card reads (`card_reads`), each with its visit event in the same document.

Who read, at which point and reader, for which purpose, which fields were released, when, and a keyed
HMAC of the citizen id: never the id, a name or the photo. Records are only inserted; the outbox relay
alone updates a record, and only to clear the events it has published.
"""

from datetime import datetime
from typing import Any

from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.visits import VisitRecorded
from citizeninfo_shared.outbox import OutboxEntry, new_document_with_events
from citizeninfo_shared.topics import TopicName
from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection

CARD_READS_COLLECTION = "card_reads"
EVENT_SOURCE = "/citizeninfo/card-gateway"


class ReadRecord(BaseModel):
    read_id: str  # the visit id of a successful read
    outcome: str  # "read" or a failure code
    staff: str
    service_point_id: str
    department_id: str | None = None
    ministry_id: str | None = None
    province_code: str | None = None
    reader_id: str
    agent_id: str
    purpose: str
    fields_released: list[str] = []
    citizen_hmac: str | None = None
    verified_online: bool | None = None
    read_at: datetime
    visit_id: str | None = None  # the visit a successful read belongs to (its read_id when it started it)
    repeat_visit: bool = False  # the card was read again during its visit: no new visit event


def visit_event(record: ReadRecord) -> CloudEvent:
    data = VisitRecorded(
        visit_id=record.visit_id or record.read_id,
        service_point_id=record.service_point_id,
        reader_id=record.reader_id,
        purpose=record.purpose,
        citizen_hmac=record.citizen_hmac or "",
        verified_online=record.verified_online,
        read_at=record.read_at,
        department_id=record.department_id,
        ministry_id=record.ministry_id,
        province_code=record.province_code,
    )
    return CloudEvent.wrap(data, source=EVENT_SOURCE, subject=record.service_point_id)


def record_document(record: ReadRecord) -> dict[str, Any]:
    fields = record.model_dump()
    document = {"_id": fields.pop("read_id"), **fields}
    if record.outcome != "read" or record.repeat_visit:
        return document
    return new_document_with_events(document, OutboxEntry.of(TopicName.VISITS, visit_event(record)))


class AuditStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def append(self, record: ReadRecord) -> None:
        await self._collection.insert_one(record_document(record))
