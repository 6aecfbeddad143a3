"""The catalogue in pin-service's database, each record written with its catalogue event."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.events import CloudEvent
from citizeninfo_shared.events.catalogue import (
    DepartmentUpserted,
    MinistryUpserted,
    ServicePointUpserted,
    ServiceUpserted,
)
from citizeninfo_shared.outbox import OutboxEntry, new_document_with_events, update_with_events
from citizeninfo_shared.topics import TopicName
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from pin_service.adapters.geography import ThaiGeography
from pin_service.domain.catalogue import (
    COLLECTION_OF_KIND,
    KIND_ORDER,
    CatalogueLine,
    DepartmentLine,
    LineError,
    MinistryLine,
    ServiceLine,
    ServicePointLine,
    content_hash,
    parents_of,
    parse_line,
)

CATALOGUE_COLLECTIONS = ("ministries", "departments", "services", "service_points")
EVENT_SOURCE = "/citizeninfo/pin-service/catalogue"
DUPLICATE_KEY = 11000
KIND_OF_COLLECTION = {collection: kind for kind, collection in COLLECTION_OF_KIND.items()}


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_response(self) -> dict[str, Any]:
        kinds = KIND_ORDER
        return {
            "created": {k: self.created[k] for k in kinds},
            "updated": {k: self.updated[k] for k in kinds},
            "errors": sorted(self.errors, key=lambda e: e["line"]),
        }


def _event_for(line: CatalogueLine, ministry_of_department: dict[str, str]) -> CloudEvent:
    match line:
        case MinistryLine():
            data = MinistryUpserted(ministry_id=line.id, name_th=line.name_th, name_en=line.name_en)
        case DepartmentLine():
            data = DepartmentUpserted(
                department_id=line.id, ministry_id=line.ministry_id, name_th=line.name_th, name_en=line.name_en
            )
        case ServiceLine():
            data = ServiceUpserted(
                service_id=line.id,
                department_id=line.department_id,
                name_th=line.name_th,
                name_en=line.name_en,
                steps=line.steps,
                documents=[d.model_dump() for d in line.documents],
            )
        case ServicePointLine():
            data = ServicePointUpserted(
                service_point_id=line.id,
                department_id=line.department_id,
                ministry_id=ministry_of_department.get(line.department_id),
                name_th=line.name_th,
                name_en=line.name_en,
                province_code=line.province_code,
                district_code=line.district_code,
                address_th=line.address_th,
                service_ids=line.service_ids,
            )
    return CloudEvent.wrap(data, source=EVENT_SOURCE, subject=line.id)


class CatalogueImporter:
    """Applies an NDJSON catalogue in batches; any line order; a bad line is reported, never fatal."""

    def __init__(self, database: AsyncDatabase, notify: Callable[[str, Any], None], *, batch_size: int = 500) -> None:
        self._db = database
        self._notify = notify
        self._batch_size = batch_size
        self._known: dict[str, set[str]] = {c: set() for c in CATALOGUE_COLLECTIONS}
        self._ministry_of_department: dict[str, str] = {}
        self.report = ImportReport()

    async def run(self, lines: AsyncIterator[str]) -> ImportReport:
        batch: list[tuple[int, CatalogueLine]] = []
        deferred: list[tuple[int, CatalogueLine]] = []
        number = 0
        async for text in lines:
            number += 1
            if not text.strip():
                continue
            try:
                line = parse_line(text)
            except LineError as error:
                self.report.errors.append({"line": number, "detail": str(error)})
            else:
                problem = (
                    ThaiGeography.area_problem(line.province_code, line.district_code)
                    if isinstance(line, ServicePointLine)
                    else None
                )
                if problem:
                    self.report.errors.append({"line": number, "detail": problem})
                else:
                    batch.append((number, line))
            if len(batch) >= self._batch_size:
                deferred += await self._apply(batch)
                batch = []
        deferred += await self._apply(batch)
        # A child may come before its parent in the file: try again once every line has been seen.
        for number, line in await self._apply(deferred):
            missing = [f"{KIND_OF_COLLECTION[c]} {i}" for c, i in self._missing(line)]
            self.report.errors.append({"line": number, "detail": f"unknown {', '.join(missing)}"})
        return self.report

    def _missing(self, line: CatalogueLine) -> list[tuple[str, str]]:
        return [(c, i) for c, i in parents_of(line) if i not in self._known[c]]

    async def _learn(self, lines: list[CatalogueLine]) -> None:
        """Looks up the parents these lines refer to that this import has not seen yet."""
        wanted: dict[str, set[str]] = {c: set() for c in CATALOGUE_COLLECTIONS}
        for line in lines:
            for collection, record_id in parents_of(line):
                if record_id not in self._known[collection]:
                    wanted[collection].add(record_id)
        for collection, ids in wanted.items():
            for document in await self._read_by_id(collection, ids, {"_id": 1, "ministry_id": 1}):
                self._known[collection].add(document["_id"])
                if collection == "departments":
                    self._ministry_of_department[document["_id"]] = document["ministry_id"]

    async def _read_by_id(self, collection: str, ids: Iterable[str], projection: dict) -> list[dict[str, Any]]:
        """Reads each record by `_id`, concurrently: a `$in` read would scan the collection on FerretDB."""
        found = await asyncio.gather(*(self._db[collection].find_one({"_id": i}, projection) for i in ids))
        return [document for document in found if document is not None]

    async def _apply(self, batch: list[tuple[int, CatalogueLine]]) -> list[tuple[int, CatalogueLine]]:
        """Writes the lines whose parents are known; returns the others."""
        deferred = []
        ordered = sorted(batch, key=lambda item: KIND_ORDER.index(item[1].kind))
        await self._learn([line for _, line in ordered])
        for kind in KIND_ORDER:
            ready = []
            for number, line in ordered:
                if line.kind != kind:
                    continue
                if self._missing(line):
                    deferred.append((number, line))
                else:
                    ready.append(line)
            await self._write(kind, ready)
        return deferred

    async def _write(self, kind: str, lines: list[CatalogueLine]) -> None:
        if not lines:
            return
        collection_name = COLLECTION_OF_KIND[kind]
        collection = self._db[collection_name]
        latest = {line.id: line for line in lines}  # the same id twice in a batch: the last line wins
        existing = {
            d["_id"]: d.get("content_hash")
            for d in await self._read_by_id(collection_name, latest, {"content_hash": 1})
        }
        now = datetime.now(UTC)
        inserts, updates, changed = [], [], []
        for record_id, line in latest.items():
            if isinstance(line, DepartmentLine):
                self._ministry_of_department[line.id] = line.ministry_id
            self._known[collection_name].add(record_id)
            digest = content_hash(line)
            if existing.get(record_id) == digest:
                continue
            fields = line.model_dump(mode="json", exclude={"id", "kind"})
            if isinstance(line, ServicePointLine):
                fields["ministry_id"] = self._ministry_of_department.get(line.department_id)
            entry = OutboxEntry.of(TopicName.CATALOGUE, _event_for(line, self._ministry_of_department))
            fields.update(content_hash=digest, updated_at=now)
            if record_id in existing:
                updates.append((record_id, update_with_events({"$set": fields}, entry)))
                self.report.updated[kind] += 1
            else:
                if isinstance(line, ServicePointLine):
                    fields["pin_count"] = 0
                inserts.append(new_document_with_events({"_id": record_id, **fields, "created_at": now}, entry))
                self.report.created[kind] += 1
            changed.append(record_id)
        # New records go in as plain inserts, in one round trip per batch.
        if inserts:
            try:
                await collection.insert_many(inserts, ordered=False)
            except BulkWriteError as error:
                # Another import created some of these meanwhile: apply ours to theirs instead.
                for failure in error.details.get("writeErrors", []):
                    if failure.get("code") != DUPLICATE_KEY:
                        raise
                    document = inserts[failure["index"]]
                    fields = {
                        k: v
                        for k, v in document.items()
                        if not k.startswith("_") and k not in ("created_at", "pin_count")
                    }
                    entries = [OutboxEntry.from_document(e) for e in document["_outbox"]]
                    updates.append((document["_id"], update_with_events({"$set": fields}, *entries)))
        if updates:
            # One update per record, never a multi-statement bulk update: FerretDB 1.24 on PostgreSQL
            # leaks a pooled connection per statement of such a batch until its pool deadlocks.
            async def apply(key: str, update: dict[str, Any]) -> None:
                async with DOCUMENT_LOCKS.hold(collection_name, key):
                    await collection.update_one({"_id": key}, update)

            await asyncio.gather(*(apply(key, update) for key, update in updates))
        for record_id in changed:
            self._notify(collection_name, record_id)
