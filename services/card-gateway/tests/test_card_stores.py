from datetime import UTC, datetime, timedelta

from card_gateway.adapters.agent_store import Agent, AgentStore, agent_document
from card_gateway.adapters.reader_store import ReaderStore

AGENT = Agent(
    agent_id="a1",
    service_point_id="P000001",
    name="ช่อง 1",
    token_sha256="0" * 64,
    registered_by="admin",
    registered_at=datetime(2018, 8, 16, tzinfo=UTC),
    expires_at=datetime(2018, 11, 14, tzinfo=UTC),
)


class FakeCursor:
    def __init__(self, documents: list[dict]) -> None:
        self.documents = documents
        self.sorted_by: str | None = None

    def sort(self, key: str) -> "FakeCursor":
        self.sorted_by = key
        self.documents = sorted(self.documents, key=lambda d: d[key])
        return self

    def limit(self, length: int) -> "FakeCursor":
        self.documents = self.documents[:length]
        return self

    async def to_list(self, length: int | None) -> list[dict]:
        return self.documents[:length]


class FakeCollection:
    def __init__(self, documents: list[dict] | None = None) -> None:
        self.documents = documents or []
        self.queries: list[tuple[dict, dict]] = []

    async def insert_one(self, document: dict) -> None:
        self.documents.append(document)

    def find(self, filter: dict, projection: dict) -> FakeCursor:
        self.queries.append((filter, projection))
        matching = [d for d in self.documents if all(d.get(k) == v for k, v in filter.items())]
        return FakeCursor([{k: v for k, v in d.items() if k in projection} for d in matching])


def test_an_agent_document_is_keyed_by_its_id_and_holds_no_token() -> None:
    document = agent_document(AGENT)
    assert document["_id"] == "a1"
    assert "agent_id" not in document
    assert "token" not in document
    assert document["token_sha256"] == "0" * 64


async def test_adding_an_agent_inserts_its_document() -> None:
    collection = FakeCollection()
    await AgentStore(collection, default_ttl=timedelta(days=90)).add(AGENT)
    assert collection.documents == [agent_document(AGENT)]


async def test_readers_of_one_point_sorted_by_name() -> None:
    collection = FakeCollection(
        [
            {"_id": "r2", "service_point_id": "P1", "name": "B", "agent_id": "a1", "card_present": False},
            {"_id": "r1", "service_point_id": "P1", "name": "A", "agent_id": "a1"},
            {"_id": "r3", "service_point_id": "P2", "name": "C", "agent_id": "a2", "card_present": True},
        ]
    )
    readers = await ReaderStore(collection).at_point("P1")
    assert [(r.reader_id, r.name, r.card_present) for r in readers] == [("r1", "A", False), ("r2", "B", False)]
    [(filter, projection)] = collection.queries
    assert filter == {"service_point_id": "P1"}
    assert set(projection) == {"_id", "name", "agent_id", "card_present", "connected"}
