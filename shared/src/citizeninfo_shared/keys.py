"""Per-purpose keys with ids, and the keyed hashes (pseudonyms) made with them.

One secret for citizen pseudonyms, client addresses, idempotency keys and public ids meant that one
leak exposed them all and none could be rotated alone. Each purpose now has its own key, derived from
the configured key material with HKDF-SHA256 (`info` = ``citizeninfo/<purpose>``): keys of different
purposes are unrelated, and every service holding the same material derives the same purpose key, so a
pseudonym one service computes is the one another computes (nothing has to be shared but the material).

Every keyed hash names the key it was made with: ``k1:<hex>``. To rotate, configure new material under
a new id as current (`identity_hmac_key`, `identity_key_id`) and move the old material to
`identity_retired_keys`: hashes under it are still recognised, never made, until it is removed.
Hashes made before key ids existed are bare hex (a raw HMAC-SHA256 under the material, no purpose key):
they are read as key id ``legacy`` and recognised while the material they were made with is configured
(`identity_legacy_key_id` names it; empty turns them off).
"""

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ID_PATTERN = r"^[a-z0-9]{1,16}$"
LEGACY_KEY_ID = "legacy"
_KEY_ID = re.compile(KEY_ID_PATTERN)
_HEX = re.compile(r"^[0-9a-f]{8,64}$")
_HKDF_SALT = b"citizeninfo-keyring-v1"


class Purpose(StrEnum):
    """What a key is for; one key each. Never reuse a purpose for something else."""

    CITIZEN_PSEUDONYM = "citizen-pseudonym"  # card-gateway: a citizen id in the audit and visit events
    VISIT = "visit"  # card-gateway: the open visit of one card at one point
    CLIENT_ADDRESS = "client-address"  # pin-service, feedback-service: rate-limit and throttle counters
    IDEMPOTENCY_KEY = "idempotency-key"  # feedback-service: the rating id derived from an Idempotency-Key
    PUBLIC_COMPLAINT_ID = "public-complaint-id"  # feedback-service: the `req_…` id anonymous callers see
    CARD_REPLICA = "card-replica"  # card-gateway: replicas forwarding requests and closing links for each other


@dataclass(frozen=True, slots=True)
class KeyedHash:
    key_id: str
    digest: str  # lower-case hex, possibly truncated

    def __str__(self) -> str:
        return self.digest if self.key_id == LEGACY_KEY_ID else f"{self.key_id}:{self.digest}"


def parse_keyed_hash(text: str) -> KeyedHash | None:
    """`k1:ab12…` → KeyedHash("k1", "ab12…"); bare hex is a legacy hash; anything else None."""
    key_id, sep, digest = text.partition(":")
    if not sep:
        return KeyedHash(LEGACY_KEY_ID, text) if _HEX.match(text) else None
    if _KEY_ID.match(key_id) and key_id != LEGACY_KEY_ID and _HEX.match(digest):
        return KeyedHash(key_id, digest)
    return None


def _hmac_hex(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def derive_purpose_key(material: bytes, purpose: Purpose) -> bytes:
    """The 32-byte key of one purpose under one key material (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=f"citizeninfo/{purpose.value}".encode()
    ).derive(material)


@dataclass(frozen=True, slots=True)
class PurposeKeys:
    """The keys of one purpose: the current one makes hashes; every configured one recognises them."""

    purpose: Purpose
    current_id: str
    keys: Mapping[str, bytes]  # key id → purpose key (the legacy id → the raw material)

    def hash(self, value: str, *, length: int = 64) -> KeyedHash:
        """The hash of a value under the current key, its hex cut to `length` characters."""
        return KeyedHash(self.current_id, _hmac_hex(self.keys[self.current_id], value)[:length])

    def hashes(self, value: str, *, length: int = 64) -> list[KeyedHash]:
        """The value's hash under every configured key, the current one first (to look up stored hashes)."""
        return [self.hash(value, length=length)] + [
            KeyedHash(key_id, _hmac_hex(key, value)[:length])
            for key_id, key in self.keys.items()
            if key_id != self.current_id
        ]

    def recognises(self, value: str, hashed: str) -> bool:
        """Whether `hashed` is this value's hash under a configured key (any length it was cut to)."""
        parsed = parse_keyed_hash(hashed)
        key = self.keys.get(parsed.key_id) if parsed else None
        if parsed is None or key is None:
            return False
        return hmac.compare_digest(_hmac_hex(key, value)[: len(parsed.digest)], parsed.digest)


class KeySettings(Protocol):
    """The settings fields the keyring reads (ServiceSettings has them)."""

    @property
    def identity_hmac_key(self) -> object: ...

    @property
    def identity_key_id(self) -> str: ...

    @property
    def identity_retired_keys(self) -> Mapping[str, object]: ...

    @property
    def identity_legacy_key_id(self) -> str: ...


def _secret_bytes(secret: object) -> bytes:
    value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    return value if isinstance(value, bytes) else str(value).encode()


class Keyring:
    """Every purpose's keys from the configured materials (current, retired and the legacy one)."""

    def __init__(self, *, current_id: str, materials: Mapping[str, bytes], legacy_key_id: str | None = None) -> None:
        for key_id in materials:
            if not _KEY_ID.match(key_id) or key_id == LEGACY_KEY_ID:
                raise ValueError(f"a key id is 1-16 lower-case letters or digits, not {LEGACY_KEY_ID!r}: {key_id!r}")
        if current_id not in materials:
            raise ValueError(f"no key material for the current key id {current_id!r}")
        self._current_id = current_id
        self._materials = dict(materials)
        self._legacy = self._materials.get(legacy_key_id) if legacy_key_id else None
        self._purposes: dict[Purpose, PurposeKeys] = {}

    @classmethod
    def from_settings(cls, settings: KeySettings) -> "Keyring":
        return _keyring_of(
            settings.identity_key_id,
            tuple(sorted((k, _secret_bytes(v)) for k, v in settings.identity_retired_keys.items())),
            _secret_bytes(settings.identity_hmac_key),
            settings.identity_legacy_key_id or None,
        )

    @property
    def current_id(self) -> str:
        return self._current_id

    def for_purpose(self, purpose: Purpose) -> PurposeKeys:
        if purpose not in self._purposes:
            keys = {key_id: derive_purpose_key(m, purpose) for key_id, m in self._materials.items()}
            if self._legacy is not None:
                keys[LEGACY_KEY_ID] = self._legacy
            self._purposes[purpose] = PurposeKeys(purpose, self._current_id, keys)
        return self._purposes[purpose]


@cache
def _keyring_of(
    current_id: str, retired: tuple[tuple[str, bytes], ...], current: bytes, legacy_key_id: str | None
) -> Keyring:
    # One keyring per configuration: HKDF runs once per purpose and process, not once per request.
    return Keyring(current_id=current_id, materials={**dict(retired), current_id: current}, legacy_key_id=legacy_key_id)


def keys_for(settings: KeySettings, purpose: Purpose) -> PurposeKeys:
    """The keys of one purpose under these settings (what every user of the identity key calls)."""
    return Keyring.from_settings(settings).for_purpose(purpose)
