import asyncio

from citizeninfo_shared.document_locks import DocumentLocks


async def test_updates_of_one_document_take_turns_and_others_do_not_wait():
    locks = DocumentLocks()
    order: list[str] = []

    async def update(document_id: str, name: str, pause: float) -> None:
        async with locks.hold("points", document_id):
            order.append(f"{name} starts")
            await asyncio.sleep(pause)
            order.append(f"{name} ends")

    await asyncio.gather(update("P1", "first", 0.05), update("P1", "second", 0), update("P2", "other", 0))
    assert order.index("first ends") < order.index("second starts")
    assert order.index("other ends") < order.index("first ends")
    assert not locks._locks  # nothing kept once nobody holds them
