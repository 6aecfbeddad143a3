"""The MongoDB-wire server does what the services rely on, through PyMongo's async API.

Why a server of its own: the throw-away FerretDB + PostgreSQL is the pair compose runs here
(deploy/compose/local-images.yml: the same images, environment and SCRAM login), so these operations are
proved on that wiring too, on a database nothing else writes to; the native stack's FerretDB is used by
every service-level test anyway. Shared with test_outbox_relay (one pair per session).
"""

import uuid

import pytest
from citizeninfo_shared.outbox import OUTBOX_FIELD, OUTBOX_PENDING_FIELD, OUTBOX_VERSION_FIELD
from pymongo import AsyncMongoClient, UpdateOne
from pymongo.errors import DuplicateKeyError

from tests.integration import throwaway
from tests.integration.throwaway import ThrowawayMongoDB

pytestmark = pytest.mark.integration
# The throw-away fixture, found by pytest under this name.
throwaway_mongodb = throwaway.throwaway_mongodb


@pytest.fixture
async def collection(throwaway_mongodb: ThrowawayMongoDB):
    client = AsyncMongoClient(throwaway_mongodb.url, serverSelectionTimeoutMS=3000)
    database = client[f"citizeninfo_test_{uuid.uuid4().hex[:8]}"]
    yield database["things"]
    await client.drop_database(database.name)
    await client.close()


async def test_crud(collection):
    await collection.insert_one({"_id": "P1", "name_th": "ที่ว่าการอำเภอ", "count": 1})
    with pytest.raises(DuplicateKeyError):
        await collection.insert_one({"_id": "P1"})
    await collection.update_one({"_id": "P1"}, {"$inc": {"count": 2}, "$set": {"pinned": True}})
    document = await collection.find_one({"_id": "P1"})
    assert document == {"_id": "P1", "name_th": "ที่ว่าการอำเภอ", "count": 3, "pinned": True}
    assert (await collection.delete_one({"_id": "P1"})).deleted_count == 1
    assert await collection.find_one({"_id": "P1"}) is None


async def test_the_update_operators_the_outbox_uses(collection):
    await collection.bulk_write(
        [
            UpdateOne(
                {"_id": "P2"},
                {
                    "$set": {"name_th": "x", OUTBOX_PENDING_FIELD: True},
                    "$setOnInsert": {"created": 1},
                    "$push": {OUTBOX_FIELD: {"$each": [{"event_id": "e1"}, {"event_id": "e2"}]}},
                    "$inc": {OUTBOX_VERSION_FIELD: 1},
                },
                upsert=True,
            )
        ]
    )
    await collection.update_one(
        {"_id": "P2"}, {"$push": {OUTBOX_FIELD: {"$each": [{"event_id": "e3"}]}}, "$inc": {OUTBOX_VERSION_FIELD: 1}}
    )
    document = await collection.find_one({"_id": "P2"})
    assert [e["event_id"] for e in document[OUTBOX_FIELD]] == ["e1", "e2", "e3"]
    assert document[OUTBOX_VERSION_FIELD] == 2 and document["created"] == 1
    # The compare-and-set the relay uses: a stale version matches nothing.
    stale = await collection.update_one({"_id": "P2", OUTBOX_VERSION_FIELD: 1}, {"$set": {OUTBOX_FIELD: []}})
    assert stale.matched_count == 0
    fresh = await collection.update_one({"_id": "P2", OUTBOX_VERSION_FIELD: 2}, {"$set": {OUTBOX_FIELD: []}})
    assert fresh.matched_count == 1
    assert await collection.count_documents({OUTBOX_PENDING_FIELD: True}) == 1
    assert [d["_id"] async for d in collection.find({"_id": {"$in": ["P2", "nope"]}})] == ["P2"]
