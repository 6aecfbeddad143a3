"""Applies document updates to the read-model indices, a batch per bulk request.

Service points and complaints are partial upserts (each topic or event type owns its own fields: a
complaint's filing and its status snapshots); ratings and units are whole documents written by id.
Either way a batch applied twice leaves the same documents as applied once, which is what lets a
failed batch simply be sent again.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from elasticsearch import AsyncElasticsearch

from stats_service.adapters.indices import StatsIndices
from stats_service.domain.projections import ORGANISATION_FIELDS, DocumentUpdate, ReadModel

# Agents of different topics may update one service point at the same moment; Elasticsearch
# re-reads and re-applies a partial update on a version conflict this many times.
RETRY_ON_CONFLICT = 5

# Whole documents: the event carries everything the document holds.
WHOLE_DOCUMENTS = frozenset({ReadModel.RATINGS, ReadModel.UNITS})


@dataclass(frozen=True, slots=True)
class Rejection:
    """Elasticsearch refused one document (a 4xx about the document itself); sending it again cannot help."""

    update: DocumentUpdate
    status: int
    reason: str


class BulkWriteFailed(Exception):
    """Some documents of a batch were not written for a passing reason (overload, a node restarting)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"bulk write failed with {status}: {reason}")
        self.status = status


def _is_passing(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def bulk_operations(indices: StatsIndices, updates: Sequence[DocumentUpdate]) -> list[dict[str, Any]]:
    operations: list[dict[str, Any]] = []
    for update in updates:
        index = indices.name(update.read_model)
        if update.read_model in WHOLE_DOCUMENTS:
            operations.append({"index": {"_index": index, "_id": update.document_id}})
            operations.append(update.fields)
        else:
            operations.append(
                {"update": {"_index": index, "_id": update.document_id, "retry_on_conflict": RETRY_ON_CONFLICT}}
            )
            operations.append({"doc": update.fields, "doc_as_upsert": True})
    return operations


def rejections_from(response: dict[str, Any], updates: Sequence[DocumentUpdate]) -> list[Rejection]:
    """Refusals of single documents; raises BulkWriteFailed when any item failed for a passing reason,
    so that the whole batch is sent again in order (a later write to a point must stay later)."""
    if not response.get("errors"):
        return []
    rejections = []
    for update, item in zip(updates, response["items"], strict=True):
        result = next(iter(item.values()))
        status = int(result.get("status", 200))
        if status < 300:
            continue
        reason = str(result.get("error", {}).get("type", "unknown"))
        if _is_passing(status):
            raise BulkWriteFailed(status, reason)
        rejections.append(Rejection(update, status, reason))
    return rejections


class ElasticsearchStatsWriter:
    def __init__(self, client: AsyncElasticsearch, indices: StatsIndices) -> None:
        self._client = client
        self._indices = indices

    async def apply(self, update: DocumentUpdate) -> None:
        await self.apply_many([update])

    async def apply_many(self, updates: Sequence[DocumentUpdate]) -> list[Rejection]:
        if not updates:
            return []
        operations = bulk_operations(self._indices, updates)
        # The per-item answer of a 2,000-document bulk costs more to decode than to send: ask only
        # whether anything failed, and send the batch again (it is idempotent) to learn what.
        summary = await self._client.bulk(operations=operations, filter_path="errors")
        if not summary.body.get("errors"):
            return []
        response = await self._client.bulk(operations=operations)
        return rejections_from(response.body, updates)

    async def organisations(self, service_point_ids: Iterable[str]) -> dict[str, dict[str, str]]:
        """Department, ministry and province of each listed point, for events that do not carry them."""
        ids = sorted(set(service_point_ids))
        if not ids:
            return {}
        response = await self._client.mget(
            index=self._indices.service_points, ids=ids, source_includes=list(ORGANISATION_FIELDS)
        )
        found = {}
        for document in response.body.get("docs", []):
            source = document.get("_source") or {}
            fields = {name: source[name] for name in ORGANISATION_FIELDS if source.get(name)}
            if document.get("found") and fields:
                found[document["_id"]] = fields
        return found
