"""Updates of one document take turns inside a process.

FerretDB 1.x applies an update by reading the document, changing it, and writing it back whole, without
a row lock: two updates of one document at the same moment can lose one of them, even when each filter
is a compare-and-set. Every update of an outbox document (the request's and the relay's) goes through
`DOCUMENT_LOCKS.hold(collection, id)`. Across replicas this is not enough; MongoDB, which production
runs, applies each update atomically.
"""

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Hashable


class DocumentLocks:
    def __init__(self) -> None:
        self._locks: dict[tuple[str, Hashable], asyncio.Lock] = {}
        self._holders: Counter[tuple[str, Hashable]] = Counter()

    @contextlib.asynccontextmanager
    async def hold(self, collection: str, document_id: Hashable) -> AsyncIterator[None]:
        key = (collection, document_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key]
                del self._locks[key]


DOCUMENT_LOCKS = DocumentLocks()
