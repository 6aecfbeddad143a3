"""Readiness probes for the real dependencies: MongoDB-wire, Kafka and Elasticsearch."""

import asyncio
from typing import TYPE_CHECKING, Any

from pymongo import AsyncMongoClient

from citizeninfo_shared.kafka import kafka_client_options

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch


def mongo_probe(client: AsyncMongoClient):
    async def probe() -> None:
        await client.admin.command("ping")

    return probe


def elasticsearch_probe(client: "AsyncElasticsearch"):
    async def probe() -> None:
        health = await client.cluster.health()
        if health["status"] == "red":
            raise RuntimeError("cluster status is red")

    return probe


class KafkaProbe:
    """Asks a broker for cluster metadata with one long-lived admin client (it reconnects by itself)."""

    def __init__(self, bootstrap_servers: str, client_id: str) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._client_id = client_id
        self._admin: Any = None

    def _describe(self) -> None:
        from kafka import KafkaAdminClient

        if self._admin is None:
            self._admin = KafkaAdminClient(
                bootstrap_servers=self._bootstrap_servers,
                **kafka_client_options(),  # this service's Kafka user (SASL) where the broker wants one
                client_id=self._client_id,
                request_timeout_ms=2_000,
            )
        self._admin.describe_cluster()

    async def __call__(self) -> None:
        try:
            await asyncio.to_thread(self._describe)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            try:
                admin.close()
            except Exception:  # noqa: S110 - a broken client is dropped either way
                pass
