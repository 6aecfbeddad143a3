"""Agency and admin accounts in pin-service's own database (collection `users`, `_id` = username)."""

from datetime import UTC, datetime
from typing import Any

import structlog
from citizeninfo_shared.auth import Role
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from pin_service.domain.accounts import hash_password, password_matches

log = structlog.get_logger(__name__)


class UsernameTaken(Exception):
    pass


class AccountStore:
    def __init__(self, database: AsyncDatabase) -> None:
        self._users = database["users"]

    async def find(self, username: str) -> dict[str, Any] | None:
        return await self._users.find_one({"_id": username})

    async def create(self, username: str, password: str, role: Role, department_id: str | None) -> dict[str, Any]:
        document = {
            "_id": username,
            "password_hash": hash_password(password),
            "role": role.value,
            "department_id": department_id,
            "disabled": False,
            "created_at": datetime.now(UTC),
        }
        try:
            await self._users.insert_one(document)
        except DuplicateKeyError as error:
            raise UsernameTaken(username) from error
        return document

    async def update(self, username: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Applies the fields given (a new password is hashed); returns the account as it is now."""
        fields = {k: v for k, v in changes.items() if k != "password"}
        if changes.get("password"):
            fields["password_hash"] = hash_password(changes["password"])
        if fields:
            fields["updated_at"] = datetime.now(UTC)
            await self._users.update_one({"_id": username}, {"$set": fields})
        return await self.find(username) or {}

    async def ensure_bootstrap_admin(self, username: str, password: SecretStr | None) -> None:
        """The national administrator exists from the start; a password set at start-up is applied."""
        if password is None:
            if await self.find(username) is None:
                log.warning("bootstrap_admin_missing", detail="set CITIZENINFO_ADMIN_PASSWORD to create it")
            return
        existing = await self.find(username)
        if existing and password_matches(existing["password_hash"], password.get_secret_value()):
            return
        await self._users.update_one(
            {"_id": username},
            {
                "$set": {
                    "password_hash": hash_password(password.get_secret_value()),
                    "role": Role.ADMIN.value,
                    "department_id": None,
                    "disabled": False,
                },
                "$setOnInsert": {"created_at": datetime.now(UTC)},
            },
            upsert=True,
        )
        log.info("bootstrap_admin_set", username=username)
