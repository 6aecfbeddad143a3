"""Account rules: argon2 password hashes, token epochs, and the administrators that must remain.

Pure functions; hashing and verifying are CPU work that the adapter runs off the event loop.
"""

import functools
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from citizeninfo_shared.auth import Role

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def dummy_password_hash() -> str:
    """A hash with the same parameters as real ones: an unknown username is checked against it, so a
    sign-in takes the same work whether or not the account exists."""
    return _hasher.hash("no account has this password: it only makes unknown users cost the same")


def new_token_epoch() -> int:
    """A fresh epoch (microseconds since 1970): larger than any earlier one, even across a re-created
    account, so every token issued before the change that takes it is refused."""
    return time.time_ns() // 1_000


def is_enabled_admin(user: Mapping[str, Any]) -> bool:
    return user.get("role") == Role.ADMIN.value and not user.get("disabled")


def loses_admin_rights(user: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
    """Whether applying `changes` (disabled, role) leaves `user` no longer an enabled administrator."""
    if not is_enabled_admin(user):
        return False
    return bool(changes.get("disabled")) or changes.get("role", Role.ADMIN.value) != Role.ADMIN.value


def revokes_tokens(user: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
    """A change that makes tokens already issued wrong or dangerous: disabling, a new password, another
    role or department (tokens carry role and department)."""
    if changes.get("password") or (changes.get("disabled") and not user.get("disabled")):
        return True
    return any(field in changes and changes[field] != user.get(field) for field in ("role", "department_id"))


# ------------------------------------------------------------------ one-time setup codes
# An account created in bulk (CSV import, an approved registration request, or created without a
# password) has no password yet: it gets a one-time setup code instead, shown once to whoever created
# it, with which its holder chooses a password (POST /auth/setup-password). A code is 144 random bits,
# so a fast SHA-256 of it is stored, never the code: no argon2 work per account (see the README).
SETUP_CODE_BYTES = 18


@dataclass(frozen=True, slots=True)
class SetupCode:
    code: str  # shown once
    digest: str  # stored
    expires_at: datetime


def new_setup_code(now: datetime, ttl: timedelta) -> SetupCode:
    code = secrets.token_urlsafe(SETUP_CODE_BYTES)
    return SetupCode(code=code, digest=setup_code_digest(code), expires_at=now + ttl)


def setup_code_digest(code: str) -> str:
    return "sha256:" + hashlib.sha256(code.encode()).hexdigest()


def setup_code_matches(user: Mapping[str, Any], code: str, now: datetime) -> bool:
    """Whether `code` is the account's unexpired setup code (compared in constant time)."""
    stored, expires_at = user.get("setup_code_hash"), user.get("setup_code_expires_at")
    if not stored or expires_at is None:
        return False
    if expires_at.tzinfo is None:  # the database hands datetimes back naive, in UTC
        expires_at = expires_at.replace(tzinfo=now.tzinfo)
    return hmac.compare_digest(stored, setup_code_digest(code)) and now < expires_at
