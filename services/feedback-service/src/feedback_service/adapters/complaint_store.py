"""Complaints (`_id` = tracking code), each inserted together with its event; status history inside."""

from collections.abc import Collection
from typing import Any

from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.events.complaints import ComplaintFiled
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry, new_document_with_events
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


def complaint_document(code: str, stored: StoredComplaint, event: OutboxEntry) -> dict[str, Any]:
    return new_document_with_events(
        {
            "_id": code,
            **stored.complaint.model_dump(mode="python"),
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
    )


class ComplaintStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def ensure_indexes(self) -> None:
        await self._collection.create_index("public_id", unique=True, sparse=True)

    async def add(self, code: str, stored: StoredComplaint, event: OutboxEntry) -> dict[str, Any]:
        """Inserts the complaint with its event; returns the stored document (for the relay)."""
        document = complaint_document(code, stored, event)
        await self._collection.insert_one(document)
        return document

    async def get(self, code: str) -> StoredComplaint | None:
        document = await self._collection.find_one({"_id": code}, PUBLIC_PROJECTION)
        return None if document is None else stored_complaint(document)

    async def replace_history(self, code: str, history: list[StatusEntry]) -> bool:
        """Stores the new history and the status it ends with."""
        async with DOCUMENT_LOCKS.hold(COMPLAINTS_COLLECTION, code):
            result = await self._collection.update_one(
                {"_id": code},
                {"$set": {"history": [e.model_dump() for e in history], "status": history[-1].status}},
            )
        return result.matched_count == 1

    async def by_public_id(self, public_id: str) -> StoredComplaint | None:
        document = await self._collection.find_one({"public_id": public_id}, PUBLIC_PROJECTION)
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
        cursor = self._collection.find(query, PUBLIC_PROJECTION).sort("filed_at", -1).limit(limit)
        return [stored_complaint(document) async for document in cursor]
