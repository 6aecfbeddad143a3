"""A department's feedback read together for its staff: its points' ratings and complaints, newest
first, each with how many there are (read by the department id both carry, stamped at filing)."""

from datetime import datetime
from typing import Any

from citizeninfo_shared.outbox import PUBLIC_PROJECTION
from pymongo.asynchronous.database import AsyncDatabase

from feedback_service.adapters.complaint_store import COMPLAINTS_COLLECTION, CONTACT_KEY_FIELD, StoredComplaint
from feedback_service.adapters.complaint_store import stored_complaint as complaint_of
from feedback_service.adapters.rating_store import RATINGS_COLLECTION, StoredRating, stored_rating
from feedback_service.domain.complaint_deadlines import OPEN_STATUSES

_COMPLAINT_PROJECTION = {**PUBLIC_PROJECTION, CONTACT_KEY_FIELD: 0}  # never the contact's data key


def _query(department_id: str, service_point_id: str | None) -> dict[str, Any]:
    query = {"department_id": department_id}
    if service_point_id is not None:
        query["service_point_id"] = service_point_id
    return query


class DepartmentInbox:
    def __init__(self, database: AsyncDatabase) -> None:
        self._ratings = database[RATINGS_COLLECTION]
        self._complaints = database[COMPLAINTS_COLLECTION]
        self._indexed = False

    async def _ensure_indexes(self) -> None:
        # An equality filter needs its index (FerretDB scans otherwise); created once, on first use.
        if not self._indexed:
            await self._ratings.create_index("department_id")
            await self._complaints.create_index("department_id")
            self._indexed = True

    async def ratings(
        self, department_id: str, service_point_id: str | None, newest: int
    ) -> tuple[int, list[StoredRating]]:
        """How many ratings, and the newest of them."""
        await self._ensure_indexes()
        query = _query(department_id, service_point_id)
        cursor = self._ratings.find(query, PUBLIC_PROJECTION).sort([("submitted_at", -1), ("_id", 1)]).limit(newest)
        found = [stored_rating(document) async for document in cursor]
        return await self._ratings.count_documents(query), found

    async def complaints(
        self,
        department_id: str,
        service_point_id: str | None,
        newest: int,
        *,
        overdue: bool | None = None,
        now: datetime | None = None,
    ) -> tuple[int, list[StoredComplaint]]:
        """How many complaints, and the newest of them. With `overdue` (and `now`): only those overdue at
        `now` (open, due before it), most late first — or only those that are not, newest first."""
        await self._ensure_indexes()
        query: dict[str, Any] = _query(department_id, service_point_id)
        order = [("filed_at", -1), ("_id", 1)]
        if overdue is not None:
            late = {"status": {"$in": sorted(OPEN_STATUSES)}, "due_at": {"$lt": now}}
            if overdue:
                query.update(late)
                order = [("due_at", 1), ("_id", 1)]
            else:
                # Answered, not yet due, or filed before due times were stored (none: never listed as overdue).
                query["$or"] = [
                    {"status": {"$nin": sorted(OPEN_STATUSES)}},
                    {"due_at": {"$gte": now}},
                    {"due_at": None},
                ]
        cursor = self._complaints.find(query, _COMPLAINT_PROJECTION).sort(order).limit(newest)
        found = [complaint_of(document) async for document in cursor]
        return await self._complaints.count_documents(query), found
