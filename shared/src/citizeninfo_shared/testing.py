"""Unit-test doubles and fixtures every service shares (a pytest plugin; fakes stay in unit tests)."""

import contextlib
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from citizeninfo_shared.auth import Principal, Role, TokenCodec
from citizeninfo_shared.settings import DEVELOPMENT_JWT_SECRET, ServiceSettings

STAFF_DEPARTMENT_ID = "D0702"


class RecordingRelay:
    """Stands in for the outbox relay: remembers which documents and batches it was told about."""

    def __init__(self, *, fail_staging_with: Exception | None = None) -> None:
        self.notified: list[tuple[str, object]] = []
        self.staged: dict[str, list] = {}  # batch id -> StagedEvents, as stored ahead of the inserts
        self.batches: list[tuple[str, str, list]] = []  # (collection, batch id, events of stored documents)
        self.events_in_order: list[str] = []  # "staged:<batch id>" / "inserted" marks, for ordering checks
        self.handed_over: list[str] = []  # batch ids whose insert outcome is unknown, left to the sweep
        self._fail_staging_with = fail_staging_with

    async def stage_batch(self, collection: str, batch_id: str, staged) -> None:
        if self._fail_staging_with is not None:
            raise self._fail_staging_with
        self.staged[batch_id] = list(staged)
        self.events_in_order.append(f"staged:{batch_id}")

    def hand_over_batch(self, batch_id: str) -> None:
        self.handed_over.append(batch_id)

    def notify_batch(self, collection: str, batch_id: str, stored) -> None:
        self.batches.append((collection, batch_id, list(stored)))

    def notify(self, collection: str, document_id: object) -> None:
        self.notified.append((collection, document_id))

    def notify_inserted(self, collection: str, document: dict) -> None:
        self.notified.append((collection, document["_id"]))


@contextlib.asynccontextmanager
async def no_runtime(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan that connects to nothing; tests put fakes into app.state instead."""
    yield


def development_token_codec() -> TokenCodec:
    defaults = ServiceSettings.model_fields
    return TokenCodec(
        DEVELOPMENT_JWT_SECRET, issuer=defaults["jwt_issuer"].default, audience=defaults["jwt_audience"].default
    )


def bearer(codec: TokenCodec, principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {codec.issue(principal)}"}


@pytest.fixture
def token_codec() -> TokenCodec:
    return development_token_codec()


@pytest.fixture
def admin_headers(token_codec: TokenCodec) -> dict[str, str]:
    return bearer(token_codec, Principal(username="admin", role=Role.ADMIN))


@pytest.fixture
def staff_headers(token_codec: TokenCodec) -> dict[str, str]:
    staff = Principal(username="somsri", role=Role.AGENCY_STAFF, department_id=STAFF_DEPARTMENT_ID)
    return bearer(token_codec, staff)


@pytest.fixture
def relay() -> RecordingRelay:
    return RecordingRelay()
