"""Complaints (`_id` = tracking code), each inserted together with its event; status history inside.

A complaint with a consented contact also holds its contact's data key (`contact_key`), the only copy
of it; erasing the contact removes both (and stages the erasure event) in one update.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bson import Binary
from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.events.complaints import ComplaintFiled
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry, new_document_with_events, update_with_events
from pydantic import BaseModel
from pymongo.asynchronous.collection import AsyncCollection

from feedback_service.domain.complaint import StatusEntry

COMPLAINTS_COLLECTION = "complaints"


class StoredComplaint(BaseModel):
    complaint: ComplaintFiled
    status: str
    history: list[StatusEntry]
    lat: float | None = None
    lon: float | None = None
    public_id: str | None = None  # None for complaints filed before public ids (derived on the fly)
    # The data key the contact is sealed with on the topic; None without a contact, once erased, and for
    # complaints filed before sealing (their contact went out in clear, kept by the topic's retention).
    contact_key: bytes | None = None
    contact_erased_at: datetime | None = None
    contact_erased_by: Literal["citizen", "admin"] | None = None


CONTACT_KEY_FIELD = "contact_key"
# What a read of a complaint returns: never its outbox, and never the data key unless asked for.
_READ_PROJECTION = {**PUBLIC_PROJECTION, CONTACT_KEY_FIELD: 0}


@dataclass(frozen=True, slots=True)
class ContactErasure:
    erased_at: datetime
    requested_by: Literal["citizen", "admin"]
    erased_now: bool  # False: it had been erased before (nothing changed, no new event)


def complaint_document(code: str, stored: StoredComplaint, event: OutboxEntry) -> dict[str, Any]:
    return new_document_with_events(
        {
            "_id": code,
            **stored.complaint.model_dump(mode="python", exclude={"contact_sealed"}),
            **({CONTACT_KEY_FIELD: Binary(stored.contact_key)} if stored.contact_key is not None else {}),
            "status": stored.status,
            "history": [entry.model_dump() for entry in stored.history],
            "lat": stored.lat,
            "lon": stored.lon,
            # Absent rather than null when unknown: the unique index on it is sparse.
            **({"public_id": stored.public_id} if stored.public_id is not None else {}),
        },
        event,
    )


def stored_complaint(document: dict[str, Any]) -> StoredComplaint:
    return StoredComplaint(
        complaint=ComplaintFiled.model_validate(document),
        status=document["status"],
        history=document.get("history", []),
        lat=document.get("lat"),
        lon=document.get("lon"),
        public_id=document.get("public_id"),
        contact_key=bytes(document[CONTACT_KEY_FIELD]) if document.get(CONTACT_KEY_FIELD) is not None else None,
        contact_erased_at=document.get("contact_erased_at"),
        contact_erased_by=document.get("contact_erased_by"),
    )


class ComplaintStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index("public_id", unique=True, sparse=True)

    async def backfill_due_times(self, due_of: Callable[[StoredComplaint], datetime]) -> int:
        """Stores a due time in complaints filed before due times were stored (once; then none are left),
        so that the overdue queries see every complaint. Returns how many it stamped."""
        stamped = 0
        cursor = self._collection.find({"due_at": None}, _READ_PROJECTION).limit(100_000)
        async for document in cursor:
            stored = stored_complaint(document)
            await self._collection.update_one(
                {"_id": document["_id"], "due_at": None}, {"$set": {"due_at": due_of(stored)}}
            )
            stamped += 1
        return stamped

    async def add(self, code: str, stored: StoredComplaint, event: OutboxEntry) -> dict[str, Any]:
        """Inserts the complaint with its event; returns the stored document (for the relay)."""
        document = complaint_document(code, stored, event)
        await self._collection.insert_one(document)
        return document

    async def get(self, code: str) -> StoredComplaint | None:
        document = await self._collection.find_one({"_id": code}, _READ_PROJECTION)
        return None if document is None else stored_complaint(document)

    async def contact_key(self, code: str) -> StoredComplaint | None:
        """The complaint with its contact's data key (only the complaint system's key route reads it)."""
        document = await self._collection.find_one({"_id": code}, PUBLIC_PROJECTION)
        return None if document is None else stored_complaint(document)

    async def erase_contact(
        self,
        code: str,
        *,
        erased_at: datetime,
        requested_by: Literal["citizen", "admin"],
        event: OutboxEntry,
    ) -> ContactErasure | None:
        """Removes the contact and its data key, stamping the erasure and staging its event, in one update;
        None when there is no such complaint. Erasing again changes nothing and stages nothing."""
        async with DOCUMENT_LOCKS.hold(COMPLAINTS_COLLECTION, code):
            document = await self._collection.find_one({"_id": code}, {"contact_erased_at": 1, "contact_erased_by": 1})
            if document is None:
                return None
            if document.get("contact_erased_at") is not None:
                return ContactErasure(document["contact_erased_at"], document["contact_erased_by"], erased_now=False)
            await self._collection.update_one(
                {"_id": code},
                update_with_events(
                    {
                        "$set": {
                            "contact": None,
                            "contact_erased_at": erased_at,
                            "contact_erased_by": requested_by,
                        },
                        "$unset": {CONTACT_KEY_FIELD: ""},
                    },
                    event,
                ),
            )
        return ContactErasure(erased_at, requested_by, erased_now=True)

    async def replace_history(
        self,
        code: str,
        history: list[StatusEntry],
        *,
        due_at: datetime | None = None,
        event: OutboxEntry | None = None,
        expected_length: int | None = None,
    ) -> bool:
        """Stores the new history, the status it ends with and (given) the new due time, staging the
        event (given) in the same update. With `expected_length`, only if the stored history still has
        that many entries (a reopening must not overwrite a change that came in meanwhile). False when
        nothing matched."""
        update: dict[str, Any] = {
            "$set": {
                "history": [e.model_dump() for e in history],
                "status": history[-1].status,
                **({"due_at": due_at} if due_at is not None else {}),
            }
        }
        query: dict[str, Any] = {"_id": code}
        if expected_length is not None:
            query["history"] = {"$size": expected_length}
        async with DOCUMENT_LOCKS.hold(COMPLAINTS_COLLECTION, code):
            result = await self._collection.update_one(
                query, update_with_events(update, event) if event is not None else update
            )
        return result.matched_count == 1

    async def by_public_id(self, public_id: str) -> StoredComplaint | None:
        document = await self._collection.find_one({"public_id": public_id}, _READ_PROJECTION)
        return None if document is None else stored_complaint(document)

    async def recent(
        self, limit: int, *, department_id: str | None = None, categories: Collection[str] | None = None
    ) -> list[StoredComplaint]:
        """The newest complaints, of one department and of some categories only when asked."""
        query: dict[str, Any] = {}
        if department_id is not None:
            query["department_id"] = department_id
        if categories is not None:
            query["category"] = {"$in": sorted(categories)}
        cursor = self._collection.find(query, _READ_PROJECTION).sort("filed_at", -1).limit(limit)
        return [stored_complaint(document) async for document in cursor]
