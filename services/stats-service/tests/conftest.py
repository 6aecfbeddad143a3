"""Fakes for the stats unit tests (unit tests only; integration tests use the real servers)."""

from typing import Any

import pytest
from stats_service.domain.projections import DocumentUpdate, ReadModel


class RecordingWriter:
    """Applies updates the way a partial upsert does: fields merge into the document by id."""

    def __init__(self) -> None:
        self.documents: dict[tuple[ReadModel, str], dict[str, Any]] = {}
        self.writes = 0
        self.failures: list[BaseException] = []  # raised, in order, before writes succeed

    async def apply(self, update: DocumentUpdate) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.writes += 1
        self.documents.setdefault((update.read_model, update.document_id), {}).update(update.fields)

    def count(self, read_model: ReadModel, **matching: Any) -> int:
        return sum(
            1
            for (model, _), document in self.documents.items()
            if model == read_model and all(document.get(k) == v for k, v in matching.items())
        )


@pytest.fixture
def recording_writer() -> RecordingWriter:
    return RecordingWriter()
