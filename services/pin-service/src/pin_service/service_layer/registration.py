"""Registration requests: filed anonymously, decided by a national administrator.

Filing checks the department against the catalogue and the e-mail against the official domains, and
caps the undecided requests per e-mail address and per department (the gateway limits the rate per
client address too). Approval claims the request (only one administrator can), creates the staff or
coordinator account without a password and with a one-time setup code, then erases the applicant's
personal data from the request; if the username is taken the request goes back to pending. Refusal
records the reason and erases the personal data. Nothing free-text is logged.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from citizeninfo_shared.auth import Principal, Role
from citizeninfo_shared.problems import Problem

from pin_service.adapters.accounts import AccountStore, UsernameTaken
from pin_service.adapters.departments import DepartmentDirectory
from pin_service.adapters.registration_requests import RegistrationStore
from pin_service.domain.accounts import SetupCode, new_setup_code
from pin_service.domain.registration import RequestStatus, normalised_email, official_email_problem

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class RegistrationLimits:
    email_domains: tuple[str, ...]
    pending_per_email: int
    pending_per_department: int
    setup_code_ttl: timedelta


@dataclass(frozen=True, slots=True)
class Approval:
    request: dict[str, Any]
    account: dict[str, Any]
    setup: SetupCode


def request_not_found(request_id: str) -> Problem:
    return Problem(404, f"ไม่พบคำขอลงทะเบียน {request_id!r} — no registration request {request_id!r}.")


def _already_decided(request: dict[str, Any]) -> Problem:
    return Problem(
        409,
        f"คำขอนี้ได้รับการพิจารณาแล้ว ({request['status']}) — this request was already decided ({request['status']}).",
    )


@dataclass(frozen=True, slots=True)
class RegistrationDesk:
    store: RegistrationStore
    accounts: AccountStore
    departments: DepartmentDirectory
    limits: RegistrationLimits

    async def file(
        self, *, department_id: str, name: str, email: str, note: str | None, now: datetime
    ) -> dict[str, Any]:
        email = normalised_email(email)
        if problem := official_email_problem(email, self.limits.email_domains):
            raise Problem(422, problem, errors=[{"loc": ["body", "email"], "msg": problem, "type": "value_error"}])
        if not await self.departments.exists(department_id):
            detail = "ไม่พบรหัสหน่วยงานนี้ในทะเบียนหน่วยงาน — no department with this id in the catalogue."
            raise Problem(
                422, detail, errors=[{"loc": ["body", "department_id"], "msg": detail, "type": "value_error"}]
            )
        if await self.store.pending_count("email", email) >= self.limits.pending_per_email:
            raise Problem(
                409,
                "มีคำขอจากอีเมลนี้รอการพิจารณาอยู่แล้ว — a request from this address is already waiting for a decision.",
            )
        if await self.store.pending_count("department_id", department_id) >= self.limits.pending_per_department:
            raise Problem(
                409,
                "หน่วยงานนี้มีคำขอรอการพิจารณาจำนวนมากแล้ว โปรดรอผลก่อน — this department has too many requests "
                "waiting for a decision; wait for them to be decided.",
            )
        document = {
            "_id": "reg_" + secrets.token_hex(10),
            "department_id": department_id,
            "name": name,
            "email": email,
            "note": note,
            "status": RequestStatus.PENDING.value,
            "created_at": now,
        }
        await self.store.add(document)
        log.info("registration_requested", request_id=document["_id"], department_id=department_id)
        return document

    async def _pending(self, request_id: str) -> dict[str, Any]:
        request = await self.store.get(request_id)
        if request is None:
            raise request_not_found(request_id)
        if request["status"] != RequestStatus.PENDING.value:
            raise _already_decided(request)
        return request

    async def approve(self, request_id: str, *, username: str, role: Role, actor: Principal, now: datetime) -> Approval:
        if role not in (Role.AGENCY_STAFF, Role.COORDINATOR):
            raise Problem(422, "A registration request becomes an agency_staff or a coordinator account.")
        request = await self._pending(request_id)
        decision = {
            "status": RequestStatus.APPROVED.value,
            "decided_at": now,
            "decided_by": actor.username,
            "username": username,
            "role": role.value,
        }
        if await self.store.claim(request_id, decision) is None:
            raise _already_decided(await self.store.get(request_id) or request)
        setup = new_setup_code(now, self.limits.setup_code_ttl)
        try:
            account = await self.accounts.create(
                username,
                None,
                role,
                request["department_id"],
                display_name=request.get("name"),
                email=request.get("email"),
                setup=setup,
                created_by=actor.username,
            )
        except UsernameTaken as error:
            await self.store.release(request_id)
            raise Problem(409, f"The username {username!r} is taken; choose another.") from error
        except BaseException:
            await self.store.release(request_id)
            raise
        decided = await self.store.erase_personal_data(request_id, now) or request
        log.info(
            "registration_approved",
            request_id=request_id,
            department_id=request["department_id"],
            username=username,
            role=role.value,
            by=actor.username,
        )
        return Approval(decided, account, setup)

    async def refuse(self, request_id: str, *, reason: str, actor: Principal, now: datetime) -> dict[str, Any]:
        request = await self._pending(request_id)
        decision = {
            "status": RequestStatus.REFUSED.value,
            "decided_at": now,
            "decided_by": actor.username,
            "refusal_reason": reason,
        }
        if await self.store.claim(request_id, decision) is None:
            raise _already_decided(await self.store.get(request_id) or request)
        decided = await self.store.erase_personal_data(request_id, now)
        log.info(
            "registration_refused", request_id=request_id, department_id=request["department_id"], by=actor.username
        )
        return decided or request
