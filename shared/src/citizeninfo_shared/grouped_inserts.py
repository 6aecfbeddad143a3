"""Group commit: inserts that arrive together go to the database as one unordered insert_many.

Each caller still awaits its own document's outcome, so a write is acknowledged only once it is
stored, exactly as with insert_one. Nothing waits for a batch to fill: the first insert starts a
flush at once, and whatever arrives while flushes are running goes into the next one. On the
MongoDB-wire server (FerretDB on PostgreSQL) one insert_many of 20 documents costs the server about a
fifth of the CPU of 20 insert_one calls, and one round trip instead of twenty. Documents with events
to publish are stamped with the batch's id, so the outbox relay clears them together too.
"""

import asyncio
import uuid
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from citizeninfo_shared.outbox import OUTBOX_BATCH_FIELD, OUTBOX_PENDING_FIELD

DUPLICATE_KEY = 11000


class GroupedInserts:
    def __init__(self, collection: AsyncCollection, *, max_batch: int = 100, max_flushes_at_once: int = 2) -> None:
        self._collection = collection
        self._max_batch = max_batch
        self._max_flushes = max_flushes_at_once
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flushes = 0

    async def insert(self, document: dict[str, Any]) -> None:
        """Stores the document; raises DuplicateKeyError (or WriteError) for it, like insert_one."""
        outcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((document, outcome))
        if self._flushes < self._max_flushes:
            self._flushes += 1
            asyncio.get_running_loop().create_task(self._flush_while_waiting())
        # A caller that gives up (client gone) does not take the document out of a batch under way.
        await asyncio.shield(outcome)

    async def _flush_while_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                await self._flush(batch)
        finally:
            self._flushes -= 1

    async def _flush(self, batch: list[tuple[dict[str, Any], asyncio.Future[None]]]) -> None:
        failures: dict[int, Exception] = {}
        batch_id = uuid.uuid4().hex
        for document, _ in batch:
            if document.get(OUTBOX_PENDING_FIELD):
                document[OUTBOX_BATCH_FIELD] = batch_id  # the relay clears the batch's outboxes in one update
        try:
            await self._collection.insert_many([document for document, _ in batch], ordered=False)
        except BulkWriteError as error:
            for write_error in error.details.get("writeErrors", []):
                kind = DuplicateKeyError if write_error.get("code") == DUPLICATE_KEY else WriteError
                message, code = write_error.get("errmsg", ""), write_error.get("code")
                failures[write_error["index"]] = kind(message, code, write_error)
        except Exception as error:  # the database is unreachable or refused the batch: each caller hears it
            failures = dict.fromkeys(range(len(batch)), error)
        for index, (_, outcome) in enumerate(batch):
            if outcome.done():
                continue
            if index in failures:
                outcome.set_exception(failures[index])
            else:
                outcome.set_result(None)
