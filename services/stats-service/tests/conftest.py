"""Fakes for the stats unit tests (unit tests only; integration tests use the real servers)."""

from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from stats_service.domain.projections import DocumentUpdate, ReadModel


class RecordingWriter:
    """Applies updates the way a partial upsert does: fields merge into the document by id."""

    def __init__(self) -> None:
        self.documents: dict[tuple[ReadModel, str], dict[str, Any]] = {}
        self.writes = 0
        self.failures: list[BaseException] = []  # raised, in order, before writes succeed
        self.batches = 0

    async def apply_many(self, updates: Sequence[DocumentUpdate]) -> list:
        if self.failures:
            raise self.failures.pop(0)
        self.batches += 1
        for update in updates:
            self.writes += 1
            self.documents.setdefault((update.read_model, update.document_id), {}).update(update.fields)
        return []

    async def organisations(self, service_point_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        found = {}
        for point_id in service_point_ids:
            document = self.documents.get((ReadModel.SERVICE_POINTS, point_id), {})
            fields = {k: document[k] for k in ("department_id", "ministry_id", "province_code") if document.get(k)}
            if fields:
                found[point_id] = fields
        return found

    def count(self, read_model: ReadModel, **matching: Any) -> int:
        return sum(
            1
            for (model, _), document in self.documents.items()
            if model == read_model and all(document.get(k) == v for k, v in matching.items())
        )


@pytest.fixture
def recording_writer() -> RecordingWriter:
    return RecordingWriter()
