from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.events.readiness import Obstacle, ReadinessAnswered, ServiceCopyAnswer
from citizeninfo_shared.outbox import OUTBOX_FIELD, OUTBOX_PENDING_FIELD, OUTBOX_VERSION_FIELD, OutboxEntry
from citizeninfo_shared.topics import TopicName
from nocopy_service.adapters.readiness_store import (
    ConcurrentAnswers,
    ReadinessStore,
    answer_fields,
    first_answer_document,
    replacing_update,
)
from pymongo.errors import DuplicateKeyError


def _answer(answer_id: str = "a2", **overrides: Any) -> ReadinessAnswered:
    fields = {
        "answer_id": answer_id,
        "service_point_id": "P000001",
        "copy_status": "required",
        "mode": "needs_reader",
        "mou_with_dopa": False,
        "card_readers": 0,
        "services": [ServiceCopyAnswer(service_id="S1", id_card_copy="required", house_registration_copy="required")],
        "obstacles": [Obstacle(kind="budget", detail="ไม่มีงบ")],
        "planned_cancel_date": date(2019, 1, 31),
        "answered_by": "admin",
        "answered_at": datetime(2018, 8, 16, tzinfo=UTC),
    }
    return ReadinessAnswered(**{**fields, **overrides})


def _entry(answer: ReadinessAnswered) -> OutboxEntry:
    return OutboxEntry.of(TopicName.READINESS, CloudEvent.wrap(answer, source="test", subject="P000001"))


def _previous_document(answer_id: str = "a1", history: list | None = None) -> dict[str, Any]:
    return {"_id": "P000001", **answer_fields(_answer(answer_id)), "history": history or []}


def test_fields_are_bson_ready_and_read_back_as_the_same_answer() -> None:
    answer = _answer()
    fields = answer_fields(answer)
    assert fields["planned_cancel_date"] == "2019-01-31"
    assert fields["services"] == [
        {"service_id": "S1", "id_card_copy": "required", "house_registration_copy": "required"}
    ]
    assert ReadinessAnswered.model_validate({"_id": "P000001", **fields}) == answer


def test_the_first_answer_is_one_document_holding_its_event() -> None:
    answer = _answer()
    document = first_answer_document(answer, _entry(answer))
    assert document["_id"] == "P000001"
    assert document["answer_id"] == "a2"
    assert document["history"] == []
    assert [e["topic"] for e in document[OUTBOX_FIELD]] == [TopicName.READINESS]
    assert document[OUTBOX_PENDING_FIELD] is True


def test_a_new_answer_moves_the_previous_one_into_the_history() -> None:
    older = {"answer_id": "a0"}
    previous = {**_previous_document("a1", history=[older]), OUTBOX_FIELD: [], OUTBOX_VERSION_FIELD: 3}
    answer = _answer("a2")
    entry = _entry(answer)
    update = replacing_update(previous, answer, entry, history_limit=100)

    assert update["$set"]["answer_id"] == "a2"
    history = update["$set"]["history"]
    assert [h["answer_id"] for h in history] == ["a0", "a1"]
    assert not {"_id", "history", OUTBOX_FIELD, OUTBOX_VERSION_FIELD} & set(history[-1])
    assert update["$push"][OUTBOX_FIELD]["$each"] == [entry.to_document()]
    assert update["$set"][OUTBOX_PENDING_FIELD] is True
    assert update["$inc"] == {OUTBOX_VERSION_FIELD: 1}


def test_the_history_keeps_only_the_latest_answers() -> None:
    previous = _previous_document("a3", history=[{"answer_id": f"a{i}"} for i in range(3)])
    answer = _answer("a4")
    update = replacing_update(previous, answer, _entry(answer), history_limit=2)
    assert [h["answer_id"] for h in update["$set"]["history"]] == ["a2", "a3"]


@dataclass
class UpdateResult:
    matched_count: int


class ScriptedCollection:
    """Answers find_one from a list of documents and records every write."""

    def __init__(self, found: list[dict | None], *, insert_fails: bool = False, matches: list[int] | None = None):
        self.found = found
        self.insert_fails = insert_fails
        self.matches = matches or []
        self.inserted: list[dict] = []
        self.updates: list[tuple[dict, dict]] = []

    async def find_one(self, filter: dict, projection: dict) -> dict | None:
        return self.found.pop(0) if self.found else None

    async def insert_one(self, document: dict) -> None:
        if self.insert_fails:
            self.insert_fails = False
            raise DuplicateKeyError("E11000 duplicate key")
        self.inserted.append(document)

    async def update_one(self, filter: dict, update: dict) -> UpdateResult:
        self.updates.append((filter, update))
        return UpdateResult(self.matches.pop(0) if self.matches else 1)


async def test_save_inserts_the_first_answer() -> None:
    collection = ScriptedCollection(found=[None])
    answer = _answer()
    await ReadinessStore(collection).save(answer, _entry(answer))
    assert [d["_id"] for d in collection.inserted] == ["P000001"]
    assert collection.updates == []


async def test_save_replaces_with_a_compare_and_set_on_the_previous_answer() -> None:
    collection = ScriptedCollection(found=[_previous_document("a1")])
    answer = _answer("a2")
    await ReadinessStore(collection).save(answer, _entry(answer))
    [(filter, update)] = collection.updates
    assert filter == {"_id": "P000001", "answer_id": "a1"}
    assert update["$set"]["history"][-1]["answer_id"] == "a1"


async def test_a_concurrent_first_answer_is_kept_in_the_history() -> None:
    collection = ScriptedCollection(found=[None, _previous_document("theirs")], insert_fails=True)
    answer = _answer("mine")
    await ReadinessStore(collection).save(answer, _entry(answer))
    [(filter, update)] = collection.updates
    assert filter["answer_id"] == "theirs"
    assert update["$set"]["answer_id"] == "mine"


async def test_a_lost_compare_and_set_reads_again_and_retries() -> None:
    collection = ScriptedCollection(found=[_previous_document("a1"), _previous_document("b1")], matches=[0, 1])
    answer = _answer("a2")
    await ReadinessStore(collection).save(answer, _entry(answer))
    assert [f["answer_id"] for f, _ in collection.updates] == ["a1", "b1"]


async def test_save_gives_up_after_its_attempts() -> None:
    collection = ScriptedCollection(found=[_previous_document(f"x{i}") for i in range(3)], matches=[0, 0, 0])
    answer = _answer()
    with pytest.raises(ConcurrentAnswers):
        await ReadinessStore(collection, max_attempts=3).save(answer, _entry(answer))
    assert len(collection.updates) == 3


async def test_current_reads_the_answer_back() -> None:
    answer = _answer()
    collection = ScriptedCollection(found=[{"_id": "P000001", **answer_fields(answer)}])
    assert await ReadinessStore(collection).current("P000001") == answer


async def test_current_is_none_for_a_point_never_answered() -> None:
    assert await ReadinessStore(ScriptedCollection(found=[])).current("P000001") is None
