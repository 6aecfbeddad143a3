"""A service's own copy of the catalogue, kept from `citizeninfo.catalogue.v1`.

Services that must know a point's department, ministry, province or services (to check staff rights,
validate a survey, stamp events) read this local projection instead of calling pin-service on the hot
path. Catalogue records carry the full latest state of their key, so applying one twice is harmless.
"""

import asyncio
from collections.abc import AsyncIterator, Sequence

import structlog
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from citizeninfo_shared.events.catalogue import (
    DepartmentUpserted,
    MinistryUpserted,
    ServicePointUpserted,
    ServiceUpserted,
)
from citizeninfo_shared.events.envelope import CloudEvent, EventData
from citizeninfo_shared.follower import TopicFollower
from citizeninfo_shared.topics import TopicName

log = structlog.get_logger(__name__)

PROJECTED_EVENTS = Counter(
    "citizeninfo_catalogue_projection_events_total",
    "Catalogue events applied to a service's local projection",
    ["kind"],
)

_COLLECTIONS: dict[str, tuple[type[EventData], str, str]] = {
    # event type → (model, collection, id field)
    MinistryUpserted.event_type: (MinistryUpserted, "catalogue_ministries", "ministry_id"),
    DepartmentUpserted.event_type: (DepartmentUpserted, "catalogue_departments", "department_id"),
    ServiceUpserted.event_type: (ServiceUpserted, "catalogue_services", "service_id"),
    ServicePointUpserted.event_type: (ServicePointUpserted, "catalogue_service_points", "service_point_id"),
}


class ServicePointRef(BaseModel):
    """What other services need to know about a point."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    service_point_id: str
    department_id: str
    ministry_id: str | None = None
    province_code: str
    district_code: str | None = None
    name_th: str
    name_en: str | None = None
    service_ids: list[str] = []


class CatalogueProjection:
    def __init__(self, db: AsyncDatabase) -> None:
        self._db = db

    async def ensure_indexes(self) -> None:
        await self._db["catalogue_service_points"].create_index("department_id")

    async def apply(self, events: Sequence[CloudEvent]) -> int:
        """Upserts each record by id; the last event of a key in the batch wins (Kafka keeps key order)."""
        latest: dict[str, dict[str, dict]] = {}
        for event in events:
            kind = _COLLECTIONS.get(event.type)
            if kind is None:
                continue
            model, collection, id_field = kind
            try:
                data = event.data_as(model).model_dump(mode="json")
            except ValidationError as error:
                log.warning("catalogue_event_skipped", event_id=event.id, error=str(error))
                continue
            latest.setdefault(collection, {})[data[id_field]] = data
            PROJECTED_EVENTS.labels(kind=collection.removeprefix("catalogue_")).inc()
        for collection, records in latest.items():
            # One replace per record, never a multi-statement bulk update: FerretDB 1.24 on PostgreSQL
            # leaks a pooled connection per statement of such a batch until its pool deadlocks.
            await asyncio.gather(
                *(
                    self._db[collection].replace_one({"_id": key}, {"_id": key, **data}, upsert=True)
                    for key, data in records.items()
                )
            )
        return sum(len(records) for records in latest.values())

    async def is_empty(self) -> bool:
        return await self._db["catalogue_departments"].find_one({}, {"_id": 1}) is None

    async def service_point(self, service_point_id: str) -> ServicePointRef | None:
        document = await self._db["catalogue_service_points"].find_one({"_id": service_point_id})
        if document is None:
            return None
        point = ServicePointRef.model_validate(document)
        if point.ministry_id is None:
            department = await self.department(point.department_id)
            if department is not None:
                point = point.model_copy(update={"ministry_id": department["ministry_id"]})
        return point

    async def department(self, department_id: str) -> dict | None:
        return await self._db["catalogue_departments"].find_one({"_id": department_id})

    async def service(self, service_id: str) -> dict | None:
        return await self._db["catalogue_services"].find_one({"_id": service_id})

    async def points_of_department(self, department_id: str) -> AsyncIterator[ServicePointRef]:
        async for document in self._db["catalogue_service_points"].find({"department_id": department_id}):
            yield ServicePointRef.model_validate(document)


def catalogue_follower(projection: CatalogueProjection, bootstrap_servers: str, *, service_name: str) -> TopicFollower:
    """Consumes the catalogue topic into a projection; commits only what has been applied."""
    return TopicFollower(
        bootstrap_servers,
        [TopicName.CATALOGUE],
        group_id=f"{service_name}.catalogue-projection",
        client_id=f"{service_name}-catalogue",
        apply=projection.apply,
        replay_when_empty=projection.is_empty,
    )
