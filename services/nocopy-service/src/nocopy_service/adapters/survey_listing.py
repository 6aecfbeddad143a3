"""A department's (or the whole country's) service points beside their current answers.

Two cursors sorted by point id — the catalogue projection's points and the answers — merged in one
pass, so a list or an export of any size holds one cursor batch of each in memory.
"""

from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.outbox import PUBLIC_PROJECTION
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from nocopy_service.adapters.readiness_store import HISTORY_FIELD, READINESS_COLLECTION

# Kept by the shared catalogue follower in this service's own database.
CATALOGUE_POINTS_COLLECTION = "catalogue_service_points"
CATALOGUE_DEPARTMENTS_COLLECTION = "catalogue_departments"
_ANSWER_ONLY = {**PUBLIC_PROJECTION, HISTORY_FIELD: 0}


@dataclass(frozen=True, slots=True)
class PointSurvey:
    point: ServicePointRef
    answer: ReadinessAnswered | None  # None: the point has not answered the survey


async def merge_by_point_id(
    points: AsyncIterator[ServicePointRef], answers: AsyncIterator[ReadinessAnswered]
) -> AsyncIterator[PointSurvey]:
    """Every point once, with its answer if any; both inputs ascend by point id.

    Answers for points not in `points` (e.g. a point moved to another department) are skipped.
    """
    pending = await anext(answers, None)
    async for point in points:
        while pending is not None and pending.service_point_id < point.service_point_id:
            pending = await anext(answers, None)
        if pending is not None and pending.service_point_id == point.service_point_id:
            yield PointSurvey(point, pending)
            pending = await anext(answers, None)
        else:
            yield PointSurvey(point, None)


def point_as_answered(answer: ReadinessAnswered) -> ServicePointRef:
    return ServicePointRef(
        service_point_id=answer.service_point_id,
        department_id=answer.department_id or "",
        ministry_id=answer.ministry_id,
        province_code=answer.province_code or "",
        district_code=answer.district_code,
        name_th=answer.service_point_name_th or "",
        name_en=answer.service_point_name_en,
    )


class SurveyListing:
    def __init__(self, db: AsyncDatabase, *, batch_size: int = 500) -> None:
        self._points = db[CATALOGUE_POINTS_COLLECTION]
        self._departments = db[CATALOGUE_DEPARTMENTS_COLLECTION]
        self._answers = db[READINESS_COLLECTION]
        self._batch_size = batch_size

    async def ensure_indexes(self) -> None:
        # A department's points in id order straight from an index (MongoDB); the projection itself
        # only indexes department_id.
        await self._points.create_index([("department_id", 1), ("_id", 1)])

    async def points_with_answers(
        self, *, department_id: str | None = None, after: str | None = None
    ) -> AsyncIterator[PointSurvey]:
        """All points of the department (of the country when None) with id > `after`, by id."""
        query: dict[str, Any] = {}
        if department_id is not None:
            query["department_id"] = department_id
        if after is not None:
            query["_id"] = {"$gt": after}
        points, answers = self._point_refs(query), self._current_answers(query)
        # Closing both inputs closes their cursors at once when a reader stops early.
        async with aclosing(points), aclosing(answers):
            async for row in merge_by_point_id(points, answers):
                yield row

    async def answered_points(self) -> AsyncIterator[PointSurvey]:
        """Every answered point of the country, in no particular order: one cursor, no sort, no join
        (an answer carries the point's place and names as they were when it was given)."""
        cursor = self._answers.find({}, _ANSWER_ONLY).batch_size(self._batch_size)
        try:
            async for document in cursor:
                answer = ReadinessAnswered.model_validate(document)
                yield PointSurvey(point_as_answered(answer), answer)
        finally:
            await cursor.close()

    async def _current_answers(self, query: dict[str, Any]) -> AsyncIterator[ReadinessAnswered]:
        async for document in self._sorted(self._answers, query, _ANSWER_ONLY):
            yield ReadinessAnswered.model_validate(document)

    async def _point_refs(self, query: dict[str, Any]) -> AsyncIterator[ServicePointRef]:
        # Points projected before their department carry no ministry; a department lookup per
        # department (not per point) fills it in.
        ministries: dict[str, str | None] = {}
        async for document in self._sorted(self._points, query, None):
            point = ServicePointRef.model_validate(document)
            if point.ministry_id is None:
                if point.department_id not in ministries:
                    department = await self._departments.find_one({"_id": point.department_id}, {"ministry_id": 1})
                    ministries[point.department_id] = department.get("ministry_id") if department else None
                point = point.model_copy(update={"ministry_id": ministries[point.department_id]})
            yield point

    async def _sorted(
        self, collection: AsyncCollection, query: dict[str, Any], projection: dict[str, int] | None
    ) -> AsyncIterator[dict[str, Any]]:
        cursor = collection.find(query, projection).sort("_id", 1).batch_size(self._batch_size)
        try:
            async for document in cursor:
                yield document
        finally:
            await cursor.close()
