"""The relay's two lanes: a write notified with `notify` is relayed before the queued writes of a bulk
job (`notify_bulk`), and a bulk job's writes go out in small rounds, so one person's write waits at most
for the round in flight — not for a whole national import."""

import asyncio
from typing import Any

from citizeninfo_shared.outbox import OutboxRelay


class _Collection:
    async def create_index(self, *_: Any, **__: Any) -> str:
        return "index"

    async def delete_many(self, *_: Any, **__: Any) -> None:
        return None


class _Database(dict):
    def __missing__(self, name: str) -> _Collection:
        self[name] = _Collection()
        return self[name]


class _Publisher:
    async def publish(self, entries: Any) -> None:
        return None

    async def close(self) -> None:
        return None


async def test_a_notified_write_goes_before_a_bulk_jobs_queued_writes(monkeypatch) -> None:
    relay = OutboxRelay(_Database(), ["service_points"], _Publisher(), service="test", sweep_interval_seconds=3600)
    rounds: list[list[str]] = []
    first_round_started, release_first_round = asyncio.Event(), asyncio.Event()

    async def relay_documents(collection: Any, ids: list[str]) -> int:
        rounds.append(list(ids))
        if len(rounds) == 1:  # the first bulk round is in flight when the person's write arrives
            first_round_started.set()
            await release_first_round.wait()
        return len(ids)

    async def no_sweep() -> int:
        return 0

    monkeypatch.setattr(relay, "relay_documents", relay_documents)
    monkeypatch.setattr(relay, "sweep", no_sweep)
    for n in range(3 * relay.bulk_round_size):
        relay.notify_bulk("service_points", f"imported-{n}")
    running = asyncio.create_task(relay.run())
    await asyncio.wait_for(first_round_started.wait(), timeout=5)
    relay.notify("service_points", "pinned-by-a-person")
    release_first_round.set()
    async with asyncio.timeout(5):
        while len(rounds) < 4:
            await asyncio.sleep(0.01)
    running.cancel()

    assert [len(r) for r in rounds] == [relay.bulk_round_size, 1, relay.bulk_round_size, relay.bulk_round_size]
    assert rounds[1] == ["pinned-by-a-person"]


async def test_bulk_writes_alone_are_all_relayed_in_rounds(monkeypatch) -> None:
    relay = OutboxRelay(_Database(), ["service_points"], _Publisher(), service="test", sweep_interval_seconds=3600)
    relayed: list[str] = []

    async def relay_documents(collection: Any, ids: list[str]) -> int:
        relayed.extend(ids)
        return len(ids)

    async def no_sweep() -> int:
        return 0

    monkeypatch.setattr(relay, "relay_documents", relay_documents)
    monkeypatch.setattr(relay, "sweep", no_sweep)
    running = asyncio.create_task(relay.run())
    wanted = [f"imported-{n}" for n in range(relay.bulk_round_size * 2 + 7)]
    for document_id in wanted:
        relay.notify_bulk("service_points", document_id)
    async with asyncio.timeout(5):
        while len(relayed) < len(wanted):
            await asyncio.sleep(0.01)
    running.cancel()
    assert relayed == wanted
