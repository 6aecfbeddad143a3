"""Rate-limit counters in this process's memory (the `limits` package's storage expires them).

Short windows only: a counter lives a minute, so losing it on a restart forgives a few writes at
most, and keeping it in memory saves three database round trips on every rating. Each replica counts
its own traffic, so with N replicas a client may write N times its window limit; the gateway's
per-address limit still holds for the whole deployment. The daily cap per client and point is not a
counter here: it is kept with the ratings themselves (see rating_store.py).
"""

from datetime import datetime

from limits.aio.storage import MemoryStorage

from feedback_service.domain.rate_limits import Counter


class RateLimiter:
    def __init__(self) -> None:
        self._storage = MemoryStorage()

    async def hit(self, counters: list[Counter], now: datetime) -> list[tuple[Counter, int]]:
        """Counts this write in every counter; returns each counter with its count including it."""
        counts = []
        for counter in counters:
            expiry = max(1.0, (counter.resets_at - now).total_seconds())
            counts.append((counter, await self._storage.incr(counter.counter_id, expiry)))
        return counts
