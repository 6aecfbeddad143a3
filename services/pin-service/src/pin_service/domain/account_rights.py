"""Who may manage which account (pure; no I/O).

A national administrator manages every account. A department coordinator manages the agency staff
accounts of its own department only: it creates them, disables and enables them, and resets their
passwords; it never creates, changes or sees an administrator, a coordinator (itself included) or an
account of another department, and never changes an account's role or department. Accounts it may not
see are answered exactly as accounts that do not exist (404): a coordinator cannot probe who has an
account elsewhere. Everywhere outside account management a coordinator has the rights of its
department's staff (`Principal.may_act_for`).
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from citizeninfo_shared.auth import Principal, Role

# What a coordinator may change on a staff account of its department (PATCH /users/{username}).
COORDINATOR_FIELDS = frozenset({"disabled", "password"})


class Verdict(StrEnum):
    ALLOWED = "allowed"
    HIDDEN = "hidden"  # answer as if the account did not exist (404)
    FORBIDDEN = "forbidden"  # 403


@dataclass(frozen=True, slots=True)
class Refusal:
    verdict: Verdict
    detail: str  # English, as the other problems of the service
    detail_th: str


ALLOWED = Refusal(Verdict.ALLOWED, "", "")

NOT_A_MANAGER = Refusal(
    Verdict.FORBIDDEN,
    "Only a national administrator or a department coordinator may manage accounts.",
    "เฉพาะผู้ดูแลระบบระดับประเทศหรือผู้ประสานงานของหน่วยงานเท่านั้นที่จัดการบัญชีผู้ใช้ได้",
)
_ONLY_STAFF = Refusal(
    Verdict.FORBIDDEN,
    "A department coordinator may create only agency staff accounts; administrators and coordinators "
    "are created by a national administrator.",
    "ผู้ประสานงานสร้างได้เฉพาะบัญชีเจ้าหน้าที่ของหน่วยงาน บัญชีผู้ดูแลระบบและผู้ประสานงานสร้างโดยผู้ดูแลระบบระดับประเทศเท่านั้น",
)
_OWN_DEPARTMENT = Refusal(
    Verdict.FORBIDDEN,
    "A department coordinator may manage only the accounts of its own department.",
    "ผู้ประสานงานจัดการได้เฉพาะบัญชีของหน่วยงานตนเองเท่านั้น",
)
_NOT_STAFF_TARGET = Refusal(
    Verdict.FORBIDDEN,
    "A department coordinator may not change a coordinator's account; ask a national administrator.",
    "ผู้ประสานงานแก้ไขบัญชีของผู้ประสานงานไม่ได้ กรุณาติดต่อผู้ดูแลระบบระดับประเทศ",
)
_FIELDS = Refusal(
    Verdict.FORBIDDEN,
    "A department coordinator may only disable, enable or reset the password of an account; "
    "a national administrator changes roles and departments.",
    "ผู้ประสานงานทำได้เพียงระงับ เปิดใช้ หรือตั้งรหัสผ่านใหม่ให้บัญชี การเปลี่ยนบทบาทหรือหน่วยงานต้องให้ผู้ดูแลระบบระดับประเทศดำเนินการ",
)
HIDDEN = Refusal(Verdict.HIDDEN, "", "")


def may_create(actor: Principal, role: Role, department_id: str | None) -> Refusal:
    """Whether `actor` may create an account with this role in this department."""
    if actor.is_admin:
        return ALLOWED
    if not actor.is_coordinator:
        return NOT_A_MANAGER
    if role is not Role.AGENCY_STAFF:
        return _ONLY_STAFF
    if department_id != actor.department_id:
        return _OWN_DEPARTMENT
    return ALLOWED


def may_see(actor: Principal, account: Mapping[str, Any]) -> bool:
    """Whether `actor` may know that `account` exists (read it, be told why it cannot change it)."""
    if actor.is_admin:
        return True
    return (
        actor.is_coordinator
        and account.get("department_id") == actor.department_id
        and _role_of(account)
        in {
            Role.AGENCY_STAFF,
            Role.COORDINATOR,
        }
    )


def may_change(actor: Principal, account: Mapping[str, Any], fields: Collection[str]) -> Refusal:
    """Whether `actor` may apply a change of `fields` to `account` (the administrator's own rules, such
    as the last administrator, are checked elsewhere)."""
    if actor.is_admin:
        return ALLOWED
    if not actor.is_coordinator:
        return NOT_A_MANAGER
    if not may_see(actor, account):
        return HIDDEN
    if _role_of(account) is not Role.AGENCY_STAFF:
        return _NOT_STAFF_TARGET  # another coordinator of the department, or itself
    if not set(fields) <= COORDINATOR_FIELDS:
        return _FIELDS
    return ALLOWED


def may_import_for(actor: Principal, department_id: str) -> bool:
    """Whether a CSV line creating a staff account of `department_id` is within `actor`'s rights."""
    return may_create(actor, Role.AGENCY_STAFF, department_id) is ALLOWED


def _role_of(account: Mapping[str, Any]) -> Role | None:
    try:
        return Role(account.get("role"))
    except ValueError:
        return None
