"""Staff accounts from a CSV file, line by line: rights, catalogue, idempotency, one-time setup codes.

Each valid line is decided on its own, in this order: the caller's right to create staff of the
line's department (an administrator any, a coordinator its own), the department in the catalogue, then
the username: free → the account is created without a password and with a one-time setup code
(`created`, the code in the answer, shown once); already a staff account of the same department →
`unchanged` (nothing is written: a re-sent file is a no-op, and no new code is issued); anything else
→ `rejected`. Existing accounts are never changed by an import. Accounts are written 16 at a time
(see `_Mode`: inserted directly, or read first once the file turns out to be a re-send).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from citizeninfo_shared.auth import Principal, Role
from citizeninfo_shared.concurrency import bounded_gather
from pymongo.errors import PyMongoError

from pin_service.adapters.accounts import AccountStore, UsernameTaken
from pin_service.adapters.departments import DepartmentDirectory
from pin_service.domain.account_import import REASONS, ImportLine, Outcome, Reason
from pin_service.domain.account_rights import may_import_for
from pin_service.domain.accounts import new_setup_code

log = structlog.get_logger(__name__)

WRITES_AT_ONCE = 16


@dataclass(frozen=True, slots=True)
class LineResult:
    line: int
    username: str
    outcome: Outcome
    reason: Reason | None = None
    setup_code: str | None = None
    setup_code_expires_at: datetime | None = None

    def as_item(self) -> dict:
        item: dict = {"line": self.line, "username": self.username, "outcome": self.outcome.value}
        if self.reason is not None:
            english, thai = REASONS[self.reason]
            item.update(reason_code=self.reason.value, reason=english, reason_th=thai)
        if self.setup_code is not None:
            item.update(setup_code=self.setup_code, setup_code_expires_at=self.setup_code_expires_at)
        return item


def _rejected(line: ImportLine, reason: Reason) -> LineResult:
    return LineResult(line.line, line.username, Outcome.REJECTED, reason)


@dataclass(frozen=True, slots=True)
class AccountImport:
    accounts: AccountStore
    departments: DepartmentDirectory
    setup_code_ttl: timedelta

    async def run(self, lines: list[ImportLine], actor: Principal, *, now: datetime) -> list[LineResult]:
        decided: dict[int, LineResult] = {}
        for index, line in enumerate(lines):
            if line.problem is not None:
                decided[index] = _rejected(line, line.problem)
            elif not may_import_for(actor, line.department_id):
                decided[index] = _rejected(line, Reason.NOT_YOUR_DEPARTMENT)
        pending = [index for index in range(len(lines)) if index not in decided]
        known = await self.departments.existing(lines[index].department_id for index in pending)
        for index in pending:
            if lines[index].department_id not in known:
                decided[index] = _rejected(lines[index], Reason.UNKNOWN_DEPARTMENT)
        to_write = [index for index in pending if index not in decided]
        mode = _Mode()
        written = await bounded_gather(WRITES_AT_ONCE, (self._one(lines[i], actor, now, mode) for i in to_write))
        decided.update(zip(to_write, written, strict=True))
        results = [decided[index] for index in range(len(lines))]
        log.info(
            "accounts_imported",
            by=actor.username,
            lines=len(results),
            **{outcome.value: sum(r.outcome is outcome for r in results) for outcome in Outcome},
        )
        return results

    async def _one(self, line: ImportLine, actor: Principal, now: datetime, mode: "_Mode") -> LineResult:
        try:
            existing = await self.accounts.find(line.username) if mode.read_first else None
            if existing is None:
                setup = new_setup_code(now, self.setup_code_ttl)
                try:
                    await self.accounts.create(
                        line.username,
                        None,
                        Role.AGENCY_STAFF,
                        line.department_id,
                        display_name=line.display_name,
                        email=line.email,
                        setup=setup,
                        created_by=actor.username,
                    )
                    return LineResult(line.line, line.username, Outcome.CREATED, None, setup.code, setup.expires_at)
                except UsernameTaken:
                    mode.read_first = True  # the file is being sent again: read before writing from now on
                    existing = await self.accounts.find(line.username)
        except PyMongoError as error:
            log.warning("account_import_line_not_stored", line=line.line, error=repr(error)[:200])
            return _rejected(line, Reason.NOT_STORED)
        if (
            existing is not None
            and existing.get("role") == Role.AGENCY_STAFF.value
            and existing.get("department_id") == line.department_id
        ):
            return LineResult(line.line, line.username, Outcome.UNCHANGED)
        return _rejected(line, Reason.USERNAME_TAKEN)


class _Mode:
    """How the lines of one file are written. Insert first: one round trip for a new account (the usual
    case). Once an insert finds its username taken, the file is probably being sent again, and a refused
    insert costs the MongoDB-wire server more than a read: the remaining lines are read first."""

    def __init__(self) -> None:
        self.read_first = False
