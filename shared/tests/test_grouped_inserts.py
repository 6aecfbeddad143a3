import asyncio

import pytest
from citizeninfo_shared.grouped_inserts import GroupedInserts
from pymongo.errors import AutoReconnect, BulkWriteError, DuplicateKeyError


class RecordingCollection:
    """Unique `_id`; records each insert_many call; answers like the server (unordered: the rest goes in)."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.calls: list[list[str]] = []
        self.stored: set[str] = set()
        self.fail_with = fail_with

    async def insert_many(self, documents: list[dict], ordered: bool) -> None:
        assert ordered is False
        await asyncio.sleep(0.01)  # a round trip: callers arriving meanwhile wait for the next batch
        self.calls.append([d["_id"] for d in documents])
        if self.fail_with is not None:
            raise self.fail_with
        errors = []
        for index, document in enumerate(documents):
            if document["_id"] in self.stored:
                errors.append({"index": index, "code": 11000, "errmsg": "E11000 duplicate key"})
            self.stored.add(document["_id"])
        if errors:
            raise BulkWriteError({"writeErrors": errors})


async def test_concurrent_inserts_share_batches_and_each_caller_is_answered_when_stored():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, max_batch=100, max_flushes_at_once=1)
    await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(50)))
    assert collection.stored == {f"r{n}" for n in range(50)}
    # The flush the first one starts runs at the next turn of the loop: all 50 are in it by then.
    assert [len(call) for call in collection.calls] == [50]


async def test_inserts_arriving_during_a_flush_go_in_the_next_one():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, max_flushes_at_once=1)
    first = asyncio.create_task(inserts.insert({"_id": "first"}))
    await asyncio.sleep(0.001)  # the first flush is under way
    await asyncio.gather(first, *(inserts.insert({"_id": f"r{n}"}) for n in range(9)))
    assert [len(call) for call in collection.calls] == [1, 9]


async def test_a_duplicate_fails_only_its_own_caller():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection)
    await inserts.insert({"_id": "taken"})
    outcomes = await asyncio.gather(
        inserts.insert({"_id": "a"}), inserts.insert({"_id": "taken"}), inserts.insert({"_id": "b"}),
        return_exceptions=True,
    )  # fmt: skip
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], DuplicateKeyError) and outcomes[1].code == 11000
    assert {"a", "b"} <= collection.stored


async def test_an_unreachable_database_reaches_every_caller_of_the_batch():
    inserts = GroupedInserts(RecordingCollection(fail_with=AutoReconnect("gone")))
    outcomes = await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(3)), return_exceptions=True)
    assert all(isinstance(outcome, AutoReconnect) for outcome in outcomes)


async def test_batches_are_bounded():
    collection = RecordingCollection()
    inserts = GroupedInserts(collection, max_batch=10, max_flushes_at_once=1)
    await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(35)))
    assert max(len(call) for call in collection.calls) == 10 and len(collection.stored) == 35


@pytest.mark.parametrize("flushes", [1, 3])
async def test_no_more_flushes_run_at_once_than_allowed(flushes):
    collection = RecordingCollection()
    running = {"now": 0, "most": 0}
    original = collection.insert_many

    async def counting(documents, ordered):
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        try:
            await original(documents, ordered)
        finally:
            running["now"] -= 1

    collection.insert_many = counting
    inserts = GroupedInserts(collection, max_batch=2, max_flushes_at_once=flushes)
    await asyncio.gather(*(inserts.insert({"_id": f"r{n}"}) for n in range(20)))
    assert running["most"] == flushes and len(collection.stored) == 20
