"""Which departments the catalogue holds (collection `departments`, `_id` = department id)."""

from collections.abc import Iterable

from citizeninfo_shared.concurrency import bounded_gather
from pymongo.asynchronous.database import AsyncDatabase

DEPARTMENTS_COLLECTION = "departments"


class DepartmentDirectory:
    def __init__(self, database: AsyncDatabase) -> None:
        self._departments = database[DEPARTMENTS_COLLECTION]

    async def exists(self, department_id: str) -> bool:
        return await self._departments.find_one({"_id": department_id}, {"_id": 1}) is not None

    async def existing(self, department_ids: Iterable[str]) -> set[str]:
        """The ids among these that the catalogue holds (read by `_id`, a few at a time: FerretDB scans
        for `$in`)."""
        ids = sorted(set(department_ids))
        found = await bounded_gather(8, (self.exists(department_id) for department_id in ids))
        return {department_id for department_id, exists in zip(ids, found, strict=True) if exists}
