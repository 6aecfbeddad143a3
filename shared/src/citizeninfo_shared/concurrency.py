"""Awaiting many calls with a bound on how many are in flight (bulk requests read and write per item)."""

import asyncio
from collections.abc import Awaitable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def bounded_gather(limit: int, calls: Iterable[Awaitable[T]]) -> list[T]:
    """Awaits `calls`, at most `limit` at a time; the results in the order of `calls`."""
    gate = asyncio.Semaphore(max(limit, 1))

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return await asyncio.gather(*(one(call) for call in calls))
