"""Complaint tracking codes a citizen can read out over the phone: 10 Crockford base-32 characters.

The code is the complaint's identity: `complaint_id` is the same code with a prefix, so a status
event that names either finds the complaint by `_id` (the only fast query on the MongoDB-wire server).
"""

import re
import secrets

from citizeninfo_shared.keys import PurposeKeys

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_CODE_LENGTH = 10
COMPLAINT_ID_PREFIX = "cmp_"
# The id anyone may see (Open311 `service_request_id` of public listings): keyed, so it neither is
# nor reveals the tracking code.
PUBLIC_ID_PREFIX = "req_"
_READ_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))


def display(code: str) -> str:
    """ "7K3MQ9XD2F" → "7K3M-Q9XD-2F"."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def complaint_id_of(code: str) -> str:
    return COMPLAINT_ID_PREFIX + code


def normalize(text: str) -> str | None:
    """The canonical code in what a citizen typed (any case, dashes or spaces), or None if it is none.

    A complaint id (`cmp_…`) is accepted too, so both names of a complaint find it.
    """
    candidate = text.strip()
    if candidate.lower().startswith(COMPLAINT_ID_PREFIX):
        candidate = candidate[len(COMPLAINT_ID_PREFIX) :]
    candidate = re.sub(r"[\s\-]", "", candidate).upper().translate(_READ_ALIASES)
    if len(candidate) != _CODE_LENGTH or any(c not in _ALPHABET for c in candidate):
        return None
    return candidate


def public_request_id(code: str, keys: PurposeKeys) -> str:
    """The complaint's public id: a keyed hash of its code (stable; without the key, not reversible).

    `req_k1_…` names the key it was made with; ids made before key ids are `req_` + 24 hex (stored).
    """
    hashed = keys.hash(f"open311-public-id:{code}", length=24)
    return f"{PUBLIC_ID_PREFIX}{hashed.key_id}_{hashed.digest}"
