"""Per-point online verification settings (`online_verification`, `_id` = service point id).

A point without a document reads On-Card only (`verified_online` is null). The consumer secret is
kept here because the gateway must present it; production keeps this database encrypted at rest.
"""

from pymongo.asynchronous.collection import AsyncCollection

from card_gateway.adapters.gdx import GdxConfig

VERIFICATION_COLLECTION = "online_verification"


class VerificationStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._collection = collection

    async def for_point(self, service_point_id: str) -> GdxConfig | None:
        document = await self._collection.find_one({"_id": service_point_id})
        if document is None:
            return None
        return GdxConfig(
            base_url=document["base_url"],
            consumer_key=document["consumer_key"],
            consumer_secret=document["consumer_secret"],
            agent_id=document["agent_id"],
        )

    async def put(self, service_point_id: str, config: GdxConfig, *, changed_by: str) -> None:
        document = {
            "base_url": config.base_url,
            "consumer_key": config.consumer_key,
            "consumer_secret": config.consumer_secret,
            "agent_id": config.agent_id,
            "changed_by": changed_by,
        }
        await self._collection.replace_one(
            {"_id": service_point_id}, {"_id": service_point_id, **document}, upsert=True
        )

    async def remove(self, service_point_id: str) -> bool:
        return (await self._collection.delete_one({"_id": service_point_id})).deleted_count > 0
