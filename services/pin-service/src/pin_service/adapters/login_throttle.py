"""Failed sign-ins per account, so a password cannot be guessed at speed (collection `login_failures`)."""

from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase


class LoginThrottle:
    def __init__(self, database: AsyncDatabase, *, max_failures: int, lockout: timedelta) -> None:
        self._failures = database["login_failures"]
        self._max_failures = max_failures
        self._lockout = lockout

    async def seconds_locked(self, username: str, now: datetime | None = None) -> int:
        """How long sign-in stays refused for this account (0 when it is not locked)."""
        record = await self._failures.find_one({"_id": username})
        if record is None or record.get("locked_until") is None:
            return 0
        remaining = (record["locked_until"] - (now or datetime.now(UTC))).total_seconds()
        return max(0, int(remaining) + 1) if remaining > 0 else 0

    async def record_failure(self, username: str, now: datetime | None = None) -> int:
        """Counts a failure; the Nth within the lockout window locks the account. Returns seconds locked."""
        now = now or datetime.now(UTC)
        record = await self._failures.find_one_and_update(
            {"_id": username},
            {"$inc": {"failures": 1}, "$setOnInsert": {"first_failure_at": now}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        if now - record["first_failure_at"] > self._lockout:
            # The earlier failures are old news: this one starts a new window.
            await self._failures.update_one(
                {"_id": username}, {"$set": {"failures": 1, "first_failure_at": now, "locked_until": None}}
            )
            return 0
        if record["failures"] >= self._max_failures:
            await self._failures.update_one({"_id": username}, {"$set": {"locked_until": now + self._lockout}})
            return int(self._lockout.total_seconds())
        return 0

    async def clear(self, username: str) -> None:
        await self._failures.delete_one({"_id": username})
