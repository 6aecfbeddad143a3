"""A complainant's contact sealed for the complaints topic under a data key of its own (pure; no I/O).

Each complaint with a consented contact gets a random 256-bit data key, kept only in feedback-service's
database. The event carries the contact sealed with it (AES-256-GCM, the complaint id as associated
data, so a sealed contact cannot be passed off as another complaint's). Erasure deletes the key: the
sealed copies already on Kafka, which a delete-policy topic cannot drop one by one, can then never be
opened again (crypto-shredding).
"""

import base64
import os

from citizeninfo_shared.events.complaints import ComplaintContact, ComplaintFiled, SealedContact
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DATA_KEY_BYTES = 32
_NONCE_BYTES = 12


class ContactUnreadable(ValueError):
    """The sealed contact does not open with this key for this complaint."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def encode_key(key: bytes) -> str:
    return _b64(key)


def seal(contact: ComplaintContact, key: bytes, *, complaint_id: str) -> SealedContact:
    nonce = os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, contact.model_dump_json().encode(), complaint_id.encode())
    return SealedContact(nonce=_b64(nonce), ciphertext=_b64(ciphertext))


def unseal(sealed: SealedContact, key: bytes, *, complaint_id: str) -> ComplaintContact:
    """What the complaint system does with the key it fetched (and what the tests check)."""
    try:
        plain = AESGCM(key).decrypt(_unb64(sealed.nonce), _unb64(sealed.ciphertext), complaint_id.encode())
    except (InvalidTag, ValueError) as error:
        raise ContactUnreadable("the sealed contact does not open with this key") from error
    return ComplaintContact.model_validate_json(plain)


def for_publication(complaint: ComplaintFiled, key: bytes | None) -> ComplaintFiled:
    """The complaint as it goes on the topic: never the contact in clear; sealed when there is one."""
    if complaint.contact is None or key is None:
        return complaint.model_copy(update={"contact": None, "contact_sealed": None})
    sealed = seal(complaint.contact, key, complaint_id=complaint.complaint_id)
    return complaint.model_copy(update={"contact": None, "contact_sealed": sealed})
