"""pin-service's app with the lifespan replaced: in-memory stand-ins for the few MongoDB calls of its
account adapters, a search engine that remembers what it was asked, tokens minted locally."""

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from citizeninfo_shared.account_state import AccountStates
from citizeninfo_shared.auth import Principal, Role, TokenCodec
from citizeninfo_shared.testing import RecordingRelay, no_runtime
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pin_service.adapters.accounts import AccountStore
from pin_service.adapters.login_throttle import LoginThrottle
from pin_service.adapters.password_work import PasswordWork
from pin_service.config import PinSettings
from pin_service.domain.accounts import hash_password
from pin_service.domain.login_throttle import default_policy
from pin_service.main import create_app
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError


def _matches(document: dict[str, Any], query: dict[str, Any]) -> bool:
    return all(document.get(field) == value for field, value in query.items())


def _projected(document: dict[str, Any], projection: dict[str, int] | None) -> dict[str, Any]:
    document = copy.deepcopy(document)
    if not projection:
        return document
    if all(v == 0 for v in projection.values()):
        return {k: v for k, v in document.items() if k not in projection}
    return {k: v for k, v in document.items() if k == "_id" or projection.get(k)}


def _apply(document: dict[str, Any], update: dict[str, Any], *, inserting: bool) -> None:
    for field, value in update.get("$set", {}).items():
        document[field] = copy.deepcopy(value)
    if inserting:
        for field, value in update.get("$setOnInsert", {}).items():
            document[field] = copy.deepcopy(value)
    for field, value in update.get("$inc", {}).items():
        document[field] = document.get(field, 0) + value
    for field, value in update.get("$push", {}).items():
        document.setdefault(field, []).extend(copy.deepcopy(value["$each"]) if "$each" in value else [value])


class FakeCursor:
    """Iterated with `async for`, or read whole with to_list, as pymongo's async cursor."""

    def __init__(self, documents) -> None:
        self._documents = documents

    def __aiter__(self):
        return self._documents.__aiter__()

    async def to_list(self, _length: int | None = None) -> list[dict[str, Any]]:
        return [document async for document in self._documents]


class FakeCollection:
    def __init__(self, name: str) -> None:
        self.name = name
        self.documents: dict[Any, dict[str, Any]] = {}

    async def find_one(self, query: dict[str, Any], projection: dict[str, int] | None = None) -> dict | None:
        for document in self.documents.values():
            if _matches(document, query):
                return _projected(document, projection)
        return None

    async def _iterate(self, query, projection):
        for document in list(self.documents.values()):
            if _matches(document, query):
                yield _projected(document, projection)

    def find(self, query: dict[str, Any], projection: dict[str, int] | None = None) -> "FakeCursor":
        return FakeCursor(self._iterate(query, projection))

    async def insert_one(self, document: dict[str, Any]) -> None:
        if document["_id"] in self.documents:
            raise DuplicateKeyError("duplicate key")
        self.documents[document["_id"]] = copy.deepcopy(document)

    async def update_one(self, query: dict[str, Any], update: dict[str, Any], upsert: bool = False) -> SimpleNamespace:
        before = await self.find_one_and_update(query, update, upsert=upsert)
        changed = int(before is not None)
        return SimpleNamespace(matched_count=changed, modified_count=changed)

    async def find_one_and_update(
        self, query: dict[str, Any], update: dict[str, Any], upsert: bool = False, return_document: bool = False
    ) -> dict | None:
        for document in self.documents.values():
            if _matches(document, query):
                before = copy.deepcopy(document)
                _apply(document, update, inserting=False)
                return copy.deepcopy(document) if return_document == ReturnDocument.AFTER else before
        if not upsert:
            return None
        document = {k: v for k, v in query.items()}
        _apply(document, update, inserting=True)
        self.documents[document["_id"]] = document
        return copy.deepcopy(document) if return_document == ReturnDocument.AFTER else None

    async def delete_one(self, query: dict[str, Any]) -> None:
        for key, document in list(self.documents.items()):
            if _matches(document, query):
                del self.documents[key]
                return


class FakeDatabase:
    def __init__(self) -> None:
        self.collections: dict[str, FakeCollection] = {}

    def __getitem__(self, name: str) -> FakeCollection:
        return self.collections.setdefault(name, FakeCollection(name))


class FakeElasticsearch:
    def __init__(self) -> None:
        self.searches: list[dict[str, Any]] = []

    async def search(self, **request: Any) -> dict[str, Any]:
        self.searches.append(request)
        return {"hits": {"total": {"value": 0}, "hits": []}}


# ------------------------------------------------------------------------------ the app with fakes
ADMIN_PASSWORD = "admin-password-1"
STAFF_PASSWORD = "staff-password-1"
STAFF_DEPARTMENT = "D0702"


class PinWorld:
    """The app and what it holds, for assertions."""

    def __init__(self, app: FastAPI, db: FakeDatabase, relay: RecordingRelay, codec: TokenCodec) -> None:
        self.app = app
        self.db = db
        self.relay = relay
        self.codec = codec

    @property
    def states(self) -> AccountStates:
        return self.app.state.account_states

    @property
    def users(self) -> FakeCollection:
        return self.db["users"]

    def bearer(self, username: str, *, role: Role = Role.ADMIN, department_id: str | None = None) -> dict:
        user = self.users.documents.get(username, {})
        principal = Principal(
            username=username,
            role=Role(user.get("role", role)),
            department_id=user.get("department_id", department_id),
            token_epoch=int(user.get("token_epoch") or 0),
        )
        return {"Authorization": f"Bearer {self.codec.issue(principal)}"}

    def client(self) -> AsyncClient:
        return AsyncClient(transport=ASGITransport(app=self.app), base_url="http://pin")


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    # argon2 takes a quarter of a second: hash the test passwords once.
    return {ADMIN_PASSWORD: hash_password(ADMIN_PASSWORD), STAFF_PASSWORD: hash_password(STAFF_PASSWORD)}


@pytest.fixture
async def pin(token_codec: TokenCodec, password_hashes: dict[str, str]) -> PinWorld:
    app = create_app(PinSettings(environment="test"))
    app.router.lifespan_context = no_runtime
    db, relay, states = FakeDatabase(), RecordingRelay(), AccountStates()
    states.loaded.set()
    policy = default_policy()
    app.state.token_codec = token_codec
    app.state.account_states = states
    app.state.password_work = PasswordWork(2)
    app.state.sign_in_throttle = LoginThrottle(db, policy)
    app.state.password_change_throttle = LoginThrottle(db, policy, scope="password-change")
    app.state.account_store = AccountStore(db, notify=relay.notify, on_change=states.set)
    app.state.elasticsearch = FakeElasticsearch()
    app.state.db = db
    app.state.outbox_relay = relay
    for username, password, role, department in (
        ("admin", ADMIN_PASSWORD, Role.ADMIN, None),
        ("somsri", STAFF_PASSWORD, Role.AGENCY_STAFF, STAFF_DEPARTMENT),
    ):
        await app.state.account_store.create(username, password_hashes[password], role, department)
    return PinWorld(app, db, relay, token_codec)
