"""Failed sign-ins, per (client, account) and per account (collection `login_failures`, read by `_id`).

The rules are in domain/login_throttle.py; this keeps the counts. The client is a keyed hash of its
address, never the address itself. Documents of the former lock-out (keyed by bare username) are
simply no longer read.
"""

from datetime import UTC, datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from pin_service.domain.login_throttle import Budget, Failures, ThrottlePolicy


class LoginThrottle:
    def __init__(self, database: AsyncDatabase, policy: ThrottlePolicy, *, scope: str = "sign-in") -> None:
        self._failures = database["login_failures"]
        self._policy = policy
        self._scope = scope

    def _client_key(self, client: str, username: str) -> str:
        return f"{self._scope}|client|{client}|{username}"

    def _account_key(self, username: str) -> str:
        return f"{self._scope}|account|{username}"

    async def _read(self, key: str) -> Failures | None:
        record = await self._failures.find_one({"_id": key})
        if record is None:
            return None
        return Failures(count=int(record["failures"]), last_at=record["last_failure_at"].replace(tzinfo=UTC))

    async def seconds_to_wait(self, client: str, username: str, now: datetime | None = None) -> int:
        """0 when this client may try a password for this account now, else the seconds to wait."""
        now = now or datetime.now(UTC)
        return self._policy.seconds_to_wait(
            await self._read(self._client_key(client, username)), await self._read(self._account_key(username)), now
        )

    async def record_failure(self, client: str, username: str, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        await self._count(self._client_key(client, username), self._policy.per_client, now)
        await self._count(self._account_key(username), self._policy.per_account, now)

    async def _count(self, key: str, budget: Budget, now: datetime) -> None:
        record = await self._failures.find_one_and_update(
            {"_id": key},
            {"$inc": {"failures": 1}, "$set": {"last_failure_at": now}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        if (
            record is not None
            and budget.current(
                Failures(int(record.get("failures", 0)), record["last_failure_at"].replace(tzinfo=UTC)), now
            )
            is None
        ):
            # The earlier failures were forgotten: this one starts the count again.
            await self._failures.update_one({"_id": key}, {"$set": {"failures": 1, "last_failure_at": now}})

    async def clear(self, client: str, username: str) -> None:
        """After the right password: this client starts afresh; the account's count fades on its own
        (a success does not refund an attack spread over other addresses)."""
        await self._failures.delete_one({"_id": self._client_key(client, username)})
