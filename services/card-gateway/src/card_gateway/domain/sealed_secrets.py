"""Secrets kept at rest sealed: encrypted and authenticated under a key named by its id, so keys rotate.

Sealed text: `v1.<key id>.<nonce>.<ciphertext>` (base64url parts), AES-256-GCM from `cryptography`. The
AEAD's associated data binds the header and a context (the document it belongs to), so a sealed value
cannot be moved to another document or relabelled with another key id. Each configured key (≥ 32 bytes)
is stretched by HKDF-SHA256 into the AES key. Opening needs the key of that id, the same context and an
intact tag; anything else is `SealBroken`. A value sealed under an older key still opens while that key
is configured; `needs_resealing` tells the store to seal it under the current one.
"""

import base64
import binascii
import re
import secrets
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
KEY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
MIN_KEY_LENGTH = 32
_NONCE_BYTES = 12
_PARTS = 4


class SealBroken(ValueError):
    """Not a sealed value, an unknown key id, another context, or tampered with."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _aead(key: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"citizeninfo sealed secret").derive(key)
    return AESGCM(derived)


def _associated_data(header: str, context: str) -> bytes:
    return header.encode() + b"\x00" + context.encode()


class SecretSealer:
    def __init__(self, keys: Mapping[str, bytes], current_key_id: str) -> None:
        for key_id, key in keys.items():
            if not re.fullmatch(KEY_ID_PATTERN, key_id):
                raise ValueError(f"a key id must match {KEY_ID_PATTERN}")
            if len(key) < MIN_KEY_LENGTH:
                raise ValueError(f"the key {key_id} is shorter than {MIN_KEY_LENGTH} bytes")
        if current_key_id not in keys:
            raise ValueError(f"the current key id {current_key_id} has no key")
        self._keys = {key_id: _aead(key) for key_id, key in keys.items()}
        self.current_key_id = current_key_id

    def seal(self, plaintext: str, *, context: str) -> str:
        header = f"{VERSION}.{self.current_key_id}"
        nonce = secrets.token_bytes(_NONCE_BYTES)
        ciphertext = self._keys[self.current_key_id].encrypt(
            nonce, plaintext.encode(), _associated_data(header, context)
        )
        return ".".join((header, _b64(nonce), _b64(ciphertext)))

    def open(self, sealed: str, *, context: str) -> str:
        parts = sealed.split(".")
        if len(parts) != _PARTS or parts[0] != VERSION:
            raise SealBroken("not a sealed value")
        aead = self._keys.get(parts[1])
        if aead is None:
            raise SealBroken(f"no key {parts[1]!r} is configured")
        try:
            nonce, ciphertext = _unb64(parts[2]), _unb64(parts[3])
        except (binascii.Error, ValueError) as error:
            raise SealBroken("not a sealed value") from error
        if len(nonce) != _NONCE_BYTES:
            raise SealBroken("not a sealed value")
        try:
            plaintext = aead.decrypt(nonce, ciphertext, _associated_data(f"{VERSION}.{parts[1]}", context))
        except InvalidTag as error:
            raise SealBroken("the sealed value does not authenticate (tampered, or another document's)") from error
        try:
            return plaintext.decode()
        except UnicodeDecodeError as error:  # cannot happen with an authentic tag
            raise SealBroken("not a sealed text") from error

    def needs_resealing(self, sealed: str) -> bool:
        parts = sealed.split(".")
        return len(parts) != _PARTS or parts[0] != VERSION or parts[1] != self.current_key_id
