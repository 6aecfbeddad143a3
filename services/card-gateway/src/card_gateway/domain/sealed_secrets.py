"""Secrets kept at rest sealed: encrypted and authenticated under a key named by its id, so keys rotate.

Sealed text: `v1.<key id>.<nonce>.<ciphertext>.<tag>` (base64url parts). Opening needs the key of that
id, the same context (the document it belongs to, so a sealed value cannot be moved to another
document) and an intact tag; anything else is `SealBroken`. A value sealed under an older key still
opens while that key is configured; `needs_resealing` tells the store to seal it under the current one.

Construction, from the Python standard library only (the `cryptography` package is not among the
locked dependencies): from the configured key, HMAC-SHA256 derives an encryption key and a MAC key;
the plaintext is XORed with the keystream HMAC-SHA256(enc key, nonce ‖ block counter) (a PRF in
counter mode, 128-bit random nonce), then HMAC-SHA256(mac key, header ‖ nonce ‖ ciphertext ‖ context)
authenticates it all (encrypt-then-MAC), checked in constant time before decrypting. Switching to
AES-GCM when `cryptography` is locked means a `v2` format beside this one, not a migration of keys.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

VERSION = "v1"
KEY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
MIN_KEY_LENGTH = 32
_NONCE_BYTES = 16
_BLOCK = hashlib.sha256().digest_size


class SealBroken(ValueError):
    """Not a sealed value, an unknown key id, another context, or tampered with."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Key:
    def __init__(self, key: bytes) -> None:
        self.encryption = hmac.digest(key, b"citizeninfo sealed secret: encryption", "sha256")
        self.authentication = hmac.digest(key, b"citizeninfo sealed secret: authentication", "sha256")

    def keystream(self, nonce: bytes, length: int) -> bytes:
        blocks = (length + _BLOCK - 1) // _BLOCK
        return b"".join(
            hmac.digest(self.encryption, nonce + counter.to_bytes(8, "big"), "sha256") for counter in range(blocks)
        )[:length]

    def tag(self, header: str, nonce: bytes, ciphertext: bytes, context: str) -> bytes:
        message = b"\x00".join((header.encode(), nonce, len(ciphertext).to_bytes(8, "big") + ciphertext))
        return hmac.digest(self.authentication, message + b"\x00" + context.encode(), "sha256")


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


class SecretSealer:
    def __init__(self, keys: Mapping[str, bytes], current_key_id: str) -> None:
        for key_id, key in keys.items():
            if not re.fullmatch(KEY_ID_PATTERN, key_id):
                raise ValueError(f"a key id must match {KEY_ID_PATTERN}")
            if len(key) < MIN_KEY_LENGTH:
                raise ValueError(f"the key {key_id} is shorter than {MIN_KEY_LENGTH} bytes")
        if current_key_id not in keys:
            raise ValueError(f"the current key id {current_key_id} has no key")
        self._keys = {key_id: _Key(key) for key_id, key in keys.items()}
        self.current_key_id = current_key_id

    def seal(self, plaintext: str, *, context: str) -> str:
        key = self._keys[self.current_key_id]
        header = f"{VERSION}.{self.current_key_id}"
        nonce = secrets.token_bytes(_NONCE_BYTES)
        data = plaintext.encode()
        ciphertext = _xor(data, key.keystream(nonce, len(data)))
        tag = key.tag(header, nonce, ciphertext, context)
        return ".".join((header, _b64(nonce), _b64(ciphertext), _b64(tag)))

    def open(self, sealed: str, *, context: str) -> str:
        parts = sealed.split(".")
        if len(parts) != 5 or parts[0] != VERSION:
            raise SealBroken("not a sealed value")
        key = self._keys.get(parts[1])
        if key is None:
            raise SealBroken(f"no key {parts[1]!r} is configured")
        try:
            nonce, ciphertext, tag = (_unb64(part) for part in parts[2:])
        except (binascii.Error, ValueError) as error:
            raise SealBroken("not a sealed value") from error
        if len(nonce) != _NONCE_BYTES or not hmac.compare_digest(
            tag, key.tag(f"{VERSION}.{parts[1]}", nonce, ciphertext, context)
        ):
            raise SealBroken("the sealed value does not authenticate (tampered, or another document's)")
        try:
            return _xor(ciphertext, key.keystream(nonce, len(ciphertext))).decode()
        except UnicodeDecodeError as error:  # cannot happen with an authentic tag
            raise SealBroken("not a sealed text") from error

    def needs_resealing(self, sealed: str) -> bool:
        parts = sealed.split(".")
        return len(parts) != 5 or parts[0] != VERSION or parts[1] != self.current_key_id
