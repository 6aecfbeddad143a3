"""Rate-limit counters in this process's memory, in a TTL cache (cachetools) that forgets old windows.

Short windows only: a counter lives a window, so losing it on a restart forgives a few writes at
most, and keeping it in memory saves three database round trips on every rating. Each replica counts
its own traffic, so with N replicas a client may write N times its window limit; the gateway's
per-address limit still holds for the whole deployment. The daily cap per client and point is not a
counter here: it is kept with the ratings themselves (see rating_store.py).

A counter's id carries its window's start, so a counter is never read after its window; the cache
only has to keep it that long. It expires a window after its last hit (at least until its window
ends), in amortised constant time: the `limits` package's memory storage scanned every key on each
hit, which cost this service about 5% of its CPU under load.
"""

from datetime import datetime

from cachetools import TTLCache

from feedback_service.domain.rate_limits import Counter

MAX_COUNTERS = 500_000  # past this the least recently used go first: a flood of addresses forgets itself


class RateLimiter:
    def __init__(self, window_seconds: float, *, max_counters: int = MAX_COUNTERS) -> None:
        self._counts: TTLCache[str, int] = TTLCache(maxsize=max_counters, ttl=window_seconds)

    async def hit(self, counters: list[Counter], now: datetime) -> list[tuple[Counter, int]]:
        """Counts this write in every counter; returns each counter with its count including it."""
        counts = []
        for counter in counters:
            count = self._counts.get(counter.counter_id, 0) + 1
            self._counts[counter.counter_id] = count
            counts.append((counter, count))
        return counts

    def counts(self) -> dict[str, int]:
        """The live counters by id (for tests and debugging; ids carry pseudonyms, never addresses)."""
        return dict(self._counts.items())
