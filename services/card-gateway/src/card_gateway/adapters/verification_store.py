"""Per-point online verification settings (`online_verification`, `_id` = service point id).

A point without a document reads On-Card only (`verified_online` is null). The consumer secret is
stored sealed (`consumer_secret_sealed`, see domain/sealed_secrets.py), bound to its point. A secret
stored in clear by an earlier version (`consumer_secret`) is sealed at start-up and, should one
remain, when it is next read; one sealed under an older key is sealed again under the current one.
"""

from typing import Any

import structlog
from pymongo.asynchronous.collection import AsyncCollection

from card_gateway.adapters.gdx import GdxConfig
from card_gateway.domain.sealed_secrets import SecretSealer

VERIFICATION_COLLECTION = "online_verification"
SEALED_FIELD = "consumer_secret_sealed"
CLEAR_FIELD = "consumer_secret"  # earlier versions only

log = structlog.get_logger(__name__)


class VerificationStore:
    def __init__(self, collection: AsyncCollection, sealer: SecretSealer) -> None:
        self._collection = collection
        self._sealer = sealer

    async def for_point(self, service_point_id: str) -> GdxConfig | None:
        """Raises SealBroken when the stored secret cannot be opened (its key is gone, or tampering)."""
        document = await self._collection.find_one({"_id": service_point_id})
        if document is None:
            return None
        secret = await self._secret_of(document)
        return GdxConfig(
            base_url=document["base_url"],
            consumer_key=document["consumer_key"],
            consumer_secret=secret,
            agent_id=document["agent_id"],
        )

    async def _secret_of(self, document: dict[str, Any]) -> str:
        point_id = str(document["_id"])
        sealed = document.get(SEALED_FIELD)
        if isinstance(sealed, str):
            secret = self._sealer.open(sealed, context=point_id)
            if self._sealer.needs_resealing(sealed):
                await self._reseal(document, secret, {SEALED_FIELD: sealed})
            return secret
        secret = str(document[CLEAR_FIELD])
        await self._reseal(document, secret, {CLEAR_FIELD: secret})
        return secret

    async def _reseal(self, document: dict[str, Any], secret: str, unchanged: dict[str, str]) -> None:
        point_id = str(document["_id"])
        # Only if nobody changed it meanwhile: a PUT in between wins.
        await self._collection.update_one(
            {"_id": point_id, **unchanged},
            {"$set": {SEALED_FIELD: self._sealer.seal(secret, context=point_id)}, "$unset": {CLEAR_FIELD: ""}},
        )

    async def seal_clear_secrets(self) -> int:
        """Seals every secret an earlier version stored in clear; returns how many."""
        sealed = 0
        async for document in self._collection.find({CLEAR_FIELD: {"$exists": True}}):
            await self._reseal(document, str(document[CLEAR_FIELD]), {CLEAR_FIELD: str(document[CLEAR_FIELD])})
            sealed += 1
        if sealed:
            log.info("online_verification_secrets_sealed", count=sealed)
        return sealed

    async def put(self, service_point_id: str, config: GdxConfig, *, changed_by: str) -> None:
        document = {
            "base_url": config.base_url,
            "consumer_key": config.consumer_key,
            SEALED_FIELD: self._sealer.seal(config.consumer_secret, context=service_point_id),
            "agent_id": config.agent_id,
            "changed_by": changed_by,
        }
        await self._collection.replace_one(
            {"_id": service_point_id}, {"_id": service_point_id, **document}, upsert=True
        )

    async def remove(self, service_point_id: str) -> bool:
        return (await self._collection.delete_one({"_id": service_point_id})).deleted_count > 0
