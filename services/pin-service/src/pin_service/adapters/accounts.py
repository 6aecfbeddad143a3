"""Agency and admin accounts in pin-service's own database (collection `users`, `_id` = username).

Every change that matters to other services (created, disabled, enabled, new password, new role or
department) is staged in the account's own document as an `AccountStateChanged` event on
`citizeninfo.account-state.v1` and published by the outbox relay, so a write is never acknowledged
without the event that revokes the account's older tokens. Hashing is the caller's (off the loop).
"""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog
from citizeninfo_shared.auth import Role
from citizeninfo_shared.document_locks import DOCUMENT_LOCKS
from citizeninfo_shared.events.account_state import AccountStateChanged
from citizeninfo_shared.events.envelope import CloudEvent
from citizeninfo_shared.outbox import PUBLIC_PROJECTION, OutboxEntry, new_document_with_events, update_with_events
from citizeninfo_shared.topics import TopicName
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from pin_service.adapters.password_work import PasswordWork
from pin_service.domain.accounts import (
    SetupCode,
    is_enabled_admin,
    loses_admin_rights,
    new_token_epoch,
    revokes_tokens,
)

log = structlog.get_logger(__name__)

USERS_COLLECTION = "users"
EVENT_SOURCE = "/citizeninfo/pin-service"


class UsernameTaken(Exception):
    pass


class LastAdministrator(Exception):
    """The change would leave no enabled national administrator."""


def state_event(username: str, *, disabled: bool, token_epoch: int) -> AccountStateChanged:
    return AccountStateChanged(username=username, disabled=disabled, token_epoch=token_epoch)


def _setup_fields(setup: SetupCode | None) -> dict[str, Any]:
    return {"setup_code_hash": setup.digest, "setup_code_expires_at": setup.expires_at} if setup else {}


def _entry(change: AccountStateChanged) -> OutboxEntry:
    return OutboxEntry.of(
        TopicName.ACCOUNT_STATE, CloudEvent.wrap(change, source=EVENT_SOURCE, subject=change.username)
    )


# Changes that could remove the last enabled administrator take turns in this process; with several
# replicas a concurrent pair could still pass the check (MongoDB-wire here has no transactions).
_ADMIN_CHANGES = asyncio.Lock()


class AccountStore:
    def __init__(
        self,
        database: AsyncDatabase,
        notify: Callable[[str, Any], None] = lambda _collection, _id: None,
        on_change: Callable[[AccountStateChanged], None] = lambda _change: None,
    ) -> None:
        self._users = database[USERS_COLLECTION]
        self._notify = notify  # the outbox relay's hint: publish this document's events now
        self._on_change = on_change  # this process's own account states, updated at once

    async def find(self, username: str) -> dict[str, Any] | None:
        return await self._users.find_one({"_id": username}, PUBLIC_PROJECTION)

    async def create(
        self,
        username: str,
        password_hash: str | None,
        role: Role,
        department_id: str | None,
        *,
        display_name: str | None = None,
        email: str | None = None,
        setup: SetupCode | None = None,
        created_by: str | None = None,
    ) -> dict[str, Any]:
        """A new account with a password hash, or with none and a one-time setup code (`setup`)."""
        change = state_event(username, disabled=False, token_epoch=new_token_epoch())
        document = {
            "_id": username,
            "password_hash": password_hash,
            "role": role.value,
            "department_id": department_id,
            "disabled": False,
            "token_epoch": change.token_epoch,
            "created_at": datetime.now(UTC),
        }
        optional = {"display_name": display_name, "email": email, "created_by": created_by, **_setup_fields(setup)}
        document.update({field: value for field, value in optional.items() if value is not None})
        try:
            await self._users.insert_one(new_document_with_events(document, _entry(change)))
        except DuplicateKeyError as error:
            raise UsernameTaken(username) from error
        self._announced(change)
        return document

    async def update(
        self,
        username: str,
        changes: dict[str, Any],
        *,
        password_hash: str | None = None,
        setup: SetupCode | None = None,
    ) -> dict[str, Any] | None:
        """Applies the fields given (`password` is replaced by the given hash, or, with `setup`, by no
        password and a one-time setup code); returns the account as it is now, or None when it does not
        exist. Refuses (LastAdministrator) to leave no enabled admin."""
        async with _ADMIN_CHANGES:
            user = await self.find(username)
            if user is None:
                return None
            if loses_admin_rights(user, changes) and await self._enabled_admins_other_than(username) == 0:
                raise LastAdministrator(username)
            fields = {k: (v.value if isinstance(v, Role) else v) for k, v in changes.items() if k != "password"}
            if password_hash is not None:
                fields.update(password_hash=password_hash, setup_code_hash=None, setup_code_expires_at=None)
            elif setup is not None:
                fields.update(password_hash=None, **_setup_fields(setup))
            if not fields:
                return user
            disabled = bool(fields.get("disabled", user.get("disabled")))
            epoch = new_token_epoch() if revokes_tokens(user, changes) else int(user.get("token_epoch") or 0)
            fields.update(updated_at=datetime.now(UTC), token_epoch=epoch)
            update: dict[str, Any] = {"$set": fields}
            announce = None
            if epoch != user.get("token_epoch") or disabled != bool(user.get("disabled")):
                announce = state_event(username, disabled=disabled, token_epoch=epoch)
                update = update_with_events(update, _entry(announce))
            async with DOCUMENT_LOCKS.hold(USERS_COLLECTION, username):
                await self._users.update_one({"_id": username}, update)
            if announce is not None:
                self._announced(announce)
            return await self.find(username)

    async def _enabled_admins_other_than(self, username: str) -> int:
        count = 0
        async for user in self._users.find({"role": Role.ADMIN.value}, {"role": 1, "disabled": 1}):
            if user["_id"] != username and is_enabled_admin(user):
                count += 1
        return count

    def _announced(self, change: AccountStateChanged) -> None:
        self._on_change(change)
        self._notify(USERS_COLLECTION, change.username)

    async def ensure_bootstrap_admin(self, username: str, password: str | None, passwords: PasswordWork) -> None:
        """The national administrator exists from the start; a password set at start-up is applied (and
        revokes the tokens issued under the previous one)."""
        if password is None:
            if await self.find(username) is None:
                log.warning("bootstrap_admin_missing", detail="set CITIZENINFO_ADMIN_PASSWORD to create it")
            return
        existing = await self.find(username)
        if existing and await passwords.verify(existing["password_hash"], password):
            return
        change = state_event(username, disabled=False, token_epoch=new_token_epoch())
        update = update_with_events(
            {
                "$set": {
                    "password_hash": await passwords.hash(password),
                    "role": Role.ADMIN.value,
                    "department_id": None,
                    "disabled": False,
                    "token_epoch": change.token_epoch,
                },
                "$setOnInsert": {"created_at": datetime.now(UTC)},
            },
            _entry(change),
        )
        async with DOCUMENT_LOCKS.hold(USERS_COLLECTION, username):
            await self._users.update_one({"_id": username}, update, upsert=True)
        self._announced(change)
        log.info("bootstrap_admin_set", username=username)
