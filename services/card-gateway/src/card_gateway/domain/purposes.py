"""Why a card is read, and the fields each reason needs (PDPA: collect only what the purpose needs)."""

from enum import StrEnum


class Purpose(StrEnum):
    IDENTITY_CHECK = "identity_check"  # is this the person? names, dates, masked id; no address, no photo
    REGISTRATION = "registration"  # filling in a form: also the full id and the address
    REGISTRATION_WITH_PHOTO = "registration_with_photo"  # a document that carries the photo
    VERIFIED_VISIT = "verified_visit"  # only proof of a visit (a visit token), no card fields at all


# The card fields every session response has (null when the purpose does not release them).
CONTRACT_FIELDS = (
    "citizen_id_masked",
    "name_th",
    "name_en",
    "birth_date",
    "gender",
    "address_th",
    "issue_date",
    "expiry_date",
)
_IDENTITY = ("citizen_id_masked", "name_th", "name_en", "birth_date", "gender", "issue_date", "expiry_date")

RELEASED_FIELDS: dict[Purpose, tuple[str, ...]] = {
    Purpose.IDENTITY_CHECK: _IDENTITY,
    Purpose.REGISTRATION: (*_IDENTITY, "address_th", "citizen_id"),
    Purpose.REGISTRATION_WITH_PHOTO: (*_IDENTITY, "address_th", "citizen_id", "photo_jpeg"),
    Purpose.VERIFIED_VISIT: ("citizen_id_masked",),
}


def needs_photo(purpose: Purpose) -> bool:
    return "photo_jpeg" in RELEASED_FIELDS[purpose]


def mask_citizen_id(citizen_id: str) -> str:
    """At most the last four digits show: x-xxxx-xxxx9-87-6 style, grouped like the card."""
    hidden = "x" * 9 + citizen_id[-4:]
    return f"{hidden[0]}-{hidden[1:5]}-{hidden[5:10]}-{hidden[10:12]}-{hidden[12]}"


def release(purpose: Purpose, card: dict) -> dict:
    """The card as the staff member sees it: only the purpose's fields; the rest null or absent."""
    allowed = RELEASED_FIELDS[purpose]
    full = {**card, "citizen_id_masked": mask_citizen_id(str(card.get("citizen_id", "")))}
    released = {name: (full.get(name) if name in allowed else None) for name in CONTRACT_FIELDS}
    for extra in ("citizen_id", "photo_jpeg"):
        if extra in allowed:
            released[extra] = full.get(extra)
    return released
