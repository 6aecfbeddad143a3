"""PyMongo's async client (the successor of Motor) with timeouts that suit a readiness probe."""

from pymongo import AsyncMongoClient


def create_mongo_client(url: str, *, app_name: str, max_pool_size: int = 12) -> AsyncMongoClient:
    return AsyncMongoClient(
        url,
        # Bounds what one process has in flight; concurrent reads beyond it queue here, not in the server.
        maxPoolSize=max_pool_size,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=3_000,
        connectTimeoutMS=3_000,
        uuidRepresentation="standard",
    )


async def ping(client: AsyncMongoClient) -> None:
    await client.admin.command("ping")
