"""Registration requests in pin-service's database (collection `registration_requests`).

Read by `_id` or by the indexed `status`, `email` and `department_id` fields (FerretDB scans
otherwise); every change is one single-statement update, a decision one conditional on the request
still being pending, so two administrators deciding at once cannot both win.
"""

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from pin_service.domain.registration import PERSONAL_FIELDS, RequestStatus

REGISTRATION_REQUESTS_COLLECTION = "registration_requests"


class RegistrationStore:
    def __init__(self, database: AsyncDatabase) -> None:
        self._requests = database[REGISTRATION_REQUESTS_COLLECTION]

    async def ensure_indexes(self) -> None:
        for field in ("status", "email", "department_id"):
            await self._requests.create_index([(field, ASCENDING)])

    async def add(self, document: dict[str, Any]) -> None:
        await self._requests.insert_one(document)

    async def get(self, request_id: str) -> dict[str, Any] | None:
        return await self._requests.find_one({"_id": request_id})

    async def pending_count(self, field: str, value: str) -> int:
        cursor = self._requests.find({field: value, "status": RequestStatus.PENDING.value}, {"_id": 1})
        return len(await cursor.to_list(None))

    async def with_status(self, status: RequestStatus) -> list[dict[str, Any]]:
        documents = await self._requests.find({"status": status.value}).to_list(None)
        return sorted(documents, key=lambda d: (d["created_at"], d["_id"]))

    async def claim(self, request_id: str, decision: dict[str, Any]) -> dict[str, Any] | None:
        """Marks a pending request decided; None when it is not (or no longer) pending."""
        return await self._requests.find_one_and_update(
            {"_id": request_id, "status": RequestStatus.PENDING.value},
            {"$set": decision},
            return_document=ReturnDocument.AFTER,
        )

    async def release(self, request_id: str) -> None:
        """Back to pending after a claimed approval could not create the account."""
        await self._requests.update_one(
            {"_id": request_id, "status": RequestStatus.APPROVED.value},
            {"$set": {"status": RequestStatus.PENDING.value, "decided_at": None, "decided_by": None, "username": None,
                      "role": None}},
        )  # fmt: skip

    async def erase_personal_data(self, request_id: str, now: datetime) -> dict[str, Any] | None:
        erased = {field: None for field in PERSONAL_FIELDS} | {"personal_data_erased_at": now}
        return await self._requests.find_one_and_update(
            {"_id": request_id}, {"$set": erased}, return_document=ReturnDocument.AFTER
        )
