"""The current readiness answer of each point (`_id` = point id) with its previous answers.

Each answer is written together with its event (the outbox). Replacing the answer is a
compare-and-set on the previous `answer_id`, so two officials answering at once cannot both move
the same old answer into the history; the loser re-reads and lands on top of the winner.
"""

from typing import Any

from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.events.readiness import ReadinessAnswered
from citizeninfo_shared.outbox import (
    PUBLIC_PROJECTION,
    OutboxEntry,
    new_document_with_events,
    update_with_events,
)
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

READINESS_COLLECTION = "readiness"
HISTORY_FIELD = "history"
_CURRENT_ONLY = {**PUBLIC_PROJECTION, HISTORY_FIELD: 0}


class ConcurrentAnswers(Exception):
    """Others kept answering for this point while we tried; the caller may simply try again."""


def answer_fields(answer: ReadinessAnswered) -> dict[str, Any]:
    """The answer as BSON-ready fields (BSON has datetimes but no dates)."""
    fields = answer.model_dump(mode="python")
    if answer.planned_cancel_date is not None:
        fields["planned_cancel_date"] = answer.planned_cancel_date.isoformat()
    return fields


def first_answer_document(answer: ReadinessAnswered, event: OutboxEntry) -> dict[str, Any]:
    return new_document_with_events({"_id": answer.service_point_id, **answer_fields(answer), HISTORY_FIELD: []}, event)


def replacing_update(
    previous: dict[str, Any], answer: ReadinessAnswered, event: OutboxEntry, *, history_limit: int
) -> dict[str, Any]:
    """Sets the new answer and moves the previous one to the end of the history, in one update."""
    previous_answer = {k: v for k, v in previous.items() if k not in {"_id", HISTORY_FIELD, *PUBLIC_PROJECTION}}
    history = [*previous.get(HISTORY_FIELD, []), previous_answer][-history_limit:] if history_limit > 0 else []
    return update_with_events({"$set": {**answer_fields(answer), HISTORY_FIELD: history}}, event)


class ReadinessStore:
    def __init__(self, collection: AsyncCollection, *, history_limit: int = 100, max_attempts: int = 5) -> None:
        self._collection = collection
        self._history_limit = history_limit
        self._max_attempts = max_attempts

    async def ensure_indexes(self) -> None:
        # Department lists and exports read one department's answers in point-id order.
        await self._collection.create_index([("department_id", 1), ("_id", 1)])

    async def current(self, service_point_id: str) -> ReadinessAnswered | None:
        document = await self._collection.find_one({"_id": service_point_id}, _CURRENT_ONLY)
        return ReadinessAnswered.model_validate(document) if document else None

    async def history(self, service_point_id: str) -> list[ReadinessAnswered]:
        """Every kept answer of the point, newest (the current one) first; empty if never answered."""
        document = await self._collection.find_one({"_id": service_point_id}, PUBLIC_PROJECTION)
        if document is None:
            return []
        previous = [ReadinessAnswered.model_validate(h) for h in reversed(document.get(HISTORY_FIELD, []))]
        return [ReadinessAnswered.model_validate(document), *previous]

    async def save(self, answer: ReadinessAnswered, event: OutboxEntry) -> None:
        point_id = answer.service_point_id
        for _ in range(self._max_attempts):
            previous = await self._collection.find_one({"_id": point_id}, PUBLIC_PROJECTION)
            if previous is None:
                # An insert, not an upsert: FerretDB drops the filter's `_id` when an upsert filter
                # holds an operator, so "no answer yet" cannot be part of an upsert's filter.
                try:
                    await self._collection.insert_one(first_answer_document(answer, event))
                    return
                except DuplicateKeyError:
                    continue  # someone answered first: go again, on top of their answer
            async with DOCUMENT_LOCKS.hold(READINESS_COLLECTION, point_id):
                result = await self._collection.update_one(
                    {"_id": point_id, "answer_id": previous.get("answer_id")},
                    replacing_update(previous, answer, event, history_limit=self._history_limit),
                )
            if result.matched_count:
                return
        raise ConcurrentAnswers(point_id)
