"""The Thai national ID card's file layout and how to decode it (no I/O here).

Offsets and formats from shared/CARD.md. Everything returned stays in memory: the agent never writes it
to disk or to a log.
"""

import datetime as dt
from dataclasses import dataclass

SELECT_MOI_APPLET = bytes.fromhex("00A4040008A000000054480001")
# GET RESPONSE's P2 is 01 for cards whose ATR begins 3B 67, 00 for every other family (CARD.md).
ATR_PREFIX_WITH_P2_01 = bytes.fromhex("3B67")
MAX_READ_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    offset: int
    length: int


CITIZEN_ID = Field("citizen_id", 0x0004, 13)
NAME_TH = Field("name_th", 0x0011, 100)
NAME_EN = Field("name_en", 0x0075, 100)
BIRTH_DATE = Field("birth_date", 0x00D9, 8)
GENDER = Field("gender", 0x00E1, 1)
ISSUER = Field("issuer", 0x00F6, 100)
ISSUE_DATE = Field("issue_date", 0x0167, 8)
EXPIRY_DATE = Field("expiry_date", 0x016F, 8)
ADDRESS = Field("address_th", 0x1579, 100)
PHOTO_OFFSET = 0x017B
PHOTO_CHUNK = 255
PHOTO_CHUNKS = 20

TEXT_FIELDS = (CITIZEN_ID, NAME_TH, NAME_EN, BIRTH_DATE, GENDER, ISSUER, ISSUE_DATE, EXPIRY_DATE, ADDRESS)
# What a counter needs; the issuer is left unread (nobody asks for it, and each read costs ~90 ms).
COUNTER_FIELDS = (CITIZEN_ID, NAME_TH, NAME_EN, BIRTH_DATE, GENDER, ISSUE_DATE, EXPIRY_DATE, ADDRESS)

GENDERS = {"1": "male", "2": "female"}
# Lifetime cards (issued to people over 70) carry a sentinel instead of an expiry date.
LIFETIME_EXPIRY_SENTINELS = {"99999999", "00000000"}
BUDDHIST_ERA_OFFSET = 543


class UnreadableCard(ValueError):
    """The card answered, but not like a Thai ID card (bad status word, bad check digit)."""


def get_response_p2(atr: bytes) -> int:
    return 0x01 if atr.startswith(ATR_PREFIX_WITH_P2_01) else 0x00


def read_binary(offset: int, length: int) -> bytes:
    """READ BINARY as the card wants it: the length is carried by two data bytes `00 Le`."""
    if not 0 < length <= MAX_READ_LENGTH:
        raise ValueError(f"a read is 1..{MAX_READ_LENGTH} bytes, not {length}")
    return bytes([0x80, 0xB0, offset >> 8, offset & 0xFF, 0x02, 0x00, length])


def get_response(p2: int, length: int) -> bytes:
    return bytes([0x00, 0xC0, 0x00, p2, length])


def read_plan(fields: tuple[Field, ...]) -> list[tuple[int, int]]:
    """Merges adjacent fields into as few reads of at most 255 bytes as possible.

    Through a reader each exchange costs tens of milliseconds; the id, both names, the birth date and
    the gender sit side by side (0x0004..0x00E1), so one read fetches all five.
    """
    plan: list[tuple[int, int]] = []
    for field in sorted(fields, key=lambda f: f.offset):
        if plan:
            start, length = plan[-1]
            end = field.offset + field.length
            if field.offset <= start + length and end - start <= MAX_READ_LENGTH:
                plan[-1] = (start, max(length, end - start))
                continue
        plan.append((field.offset, field.length))
    return plan


def slice_field(chunks: dict[int, bytes], field: Field) -> bytes:
    for start, data in chunks.items():
        if start <= field.offset and field.offset + field.length <= start + len(data):
            return data[field.offset - start : field.offset - start + field.length]
    raise KeyError(field.name)


def citizen_id_is_valid(digits: str) -> bool:
    """d13 = (11 − Σ d_i·(14−i) mod 11) mod 10 over the first twelve digits."""
    if len(digits) != 13 or not digits.isdigit():
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def decode_text(raw: bytes) -> str:
    return raw.rstrip(b"\x00").decode("tis_620", errors="replace").strip()


def join_name(raw: bytes) -> str:
    """`prefix#first#middle#last` → the parts joined by single spaces, empty parts dropped."""
    return " ".join(part.strip() for part in decode_text(raw).split("#") if part.strip())


def split_address(raw: bytes) -> str:
    """`#`-separated parts (house no., moo, soi, road, -, subdistrict, district, province) in one line."""
    return " ".join(part.strip() for part in decode_text(raw).split("#") if part.strip())


def buddhist_date_to_iso(raw: bytes) -> str | None:
    """`YYYYMMDD` in the Buddhist era → ISO Gregorian; an unknown month or day (00) → the year's first."""
    text = raw.decode("ascii", errors="replace").strip()
    if text in LIFETIME_EXPIRY_SENTINELS or len(text) != 8 or not text.isdigit():
        return None
    year, month, day = int(text[:4]) - BUDDHIST_ERA_OFFSET, int(text[4:6]), int(text[6:8])
    try:
        return dt.date(year, month or 1, day or 1).isoformat()
    except ValueError:
        return None


def name_parts(raw: bytes) -> list[str]:
    """`[prefix, first, middle, last]` (online verification needs first and last name apart)."""
    parts = [part.strip() for part in decode_text(raw).split("#")]
    return (parts + [""] * 4)[:4]


def decode_card(chunks: dict[int, bytes]) -> dict[str, object]:
    """The counter fields from raw reads (`offset → bytes`); raises UnreadableCard on a bad id."""
    citizen_id = slice_field(chunks, CITIZEN_ID).decode("ascii", errors="replace")
    if not citizen_id_is_valid(citizen_id):
        raise UnreadableCard("the citizen id on the card fails its check digit")
    expiry_raw = slice_field(chunks, EXPIRY_DATE)
    return {
        "citizen_id": citizen_id,
        "name_th": join_name(slice_field(chunks, NAME_TH)),
        "name_th_parts": name_parts(slice_field(chunks, NAME_TH)),
        "name_en": join_name(slice_field(chunks, NAME_EN)),
        "birth_date": buddhist_date_to_iso(slice_field(chunks, BIRTH_DATE)),
        "birth_date_be": slice_field(chunks, BIRTH_DATE).decode("ascii", errors="replace").strip(),
        "gender": GENDERS.get(slice_field(chunks, GENDER).decode("ascii", errors="replace")),
        "issue_date": buddhist_date_to_iso(slice_field(chunks, ISSUE_DATE)),
        "expiry_date": buddhist_date_to_iso(expiry_raw),
        "lifetime_card": expiry_raw.decode("ascii", errors="replace") in LIFETIME_EXPIRY_SENTINELS,
        "address_th": split_address(slice_field(chunks, ADDRESS)),
    }


def trim_photo(raw: bytes) -> bytes:
    """The JPEG ends with its EOI marker; only the zero padding after it goes (never bytes inside)."""
    end = raw.rfind(b"\xff\xd9")
    return raw[: end + 2] if end >= 0 else raw.rstrip(b"\x00")
