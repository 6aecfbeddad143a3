"""What people type for the services they come for, and the catalogue's wording of those services.

A small, reviewed table: each concept lists the words the catalogue uses in service names (matched as
phrases in the search text) and the everyday phrasings people type (matched whole, case-insensitively,
spaces ignored). Add a line only with a real phrasing and a real catalogue wording; keep it short, since
every phrase here changes what a search means.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceConcept:
    key: str
    # How the catalogue names the service (any one of them found in a point's services is a match).
    catalogue_terms: tuple[str, ...]
    # What people type, in Thai or English.
    phrases: tuple[str, ...]


SERVICE_CONCEPTS: tuple[ServiceConcept, ...] = (
    ServiceConcept(
        "id_card",
        ("บัตรประจำตัวประชาชน",),
        (
            "ทำบัตรประชาชน",
            "ขอทำบัตรประชาชน",
            "บัตรประชาชน",
            "บัตรประจำตัวประชาชน",
            "ทำบัตรประจำตัวประชาชน",
            "ต่อบัตรประชาชน",
            "ต่ออายุบัตรประชาชน",
            "บัตรประชาชนหาย",
            "บัตรปชช",
            "บัตร ปชช",
            "ทำบัตร",
            "id card",
            "identity card",
            "national id card",
            "thai id card",
            "citizen id card",
        ),
    ),
    ServiceConcept(
        "moving_house",
        ("แจ้งย้ายที่อยู่",),
        (
            "ย้ายทะเบียนบ้าน",
            "ย้ายบ้าน",
            "ย้ายที่อยู่",
            "แจ้งย้าย",
            "แจ้งย้ายที่อยู่",
            "move house",
            "change of address",
            "change address",
        ),
    ),
    ServiceConcept(
        "birth",
        ("แจ้งการเกิด",),
        ("แจ้งเกิด", "แจ้งการเกิด", "สูติบัตร", "birth registration", "register a birth", "birth certificate"),
    ),
    ServiceConcept(
        "marriage",
        ("จดทะเบียนสมรส",),
        ("จดทะเบียนสมรส", "จดทะเบียนแต่งงาน", "แต่งงาน", "marriage", "marriage registration", "register a marriage"),
    ),
    ServiceConcept(
        "name_change",
        ("เปลี่ยนชื่อ",),
        ("เปลี่ยนชื่อ", "เปลี่ยนชื่อตัว", "change name", "name change"),
    ),
    ServiceConcept(
        "passport",
        ("หนังสือเดินทาง",),
        ("พาสปอร์ต", "ทำพาสปอร์ต", "หนังสือเดินทาง", "ทำหนังสือเดินทาง", "passport"),
    ),
    ServiceConcept(
        "driving_licence",
        ("ใบอนุญาตขับรถ", "ใบขับขี่"),
        (
            "ใบขับขี่",
            "ทำใบขับขี่",
            "ต่อใบขับขี่",
            "driving licence",
            "driving license",
            "driver license",
            "driver's license",
            "drivers license",
        ),
    ),
    ServiceConcept(
        "land_title",
        ("โฉนดที่ดิน",),
        ("โฉนด", "โฉนดที่ดิน", "land title", "title deed"),
    ),
)


def phrase_key(text: str) -> str:
    """The form phrases are compared in: lower case, without spaces, hyphens or apostrophes."""
    return "".join(ch for ch in text.lower() if not ch.isspace() and ch not in "-'’")


def concepts_by_phrase(concepts: tuple[ServiceConcept, ...] = SERVICE_CONCEPTS) -> dict[str, ServiceConcept]:
    """Every phrase's key → its concept; a phrase claimed by two concepts is a mistake in the table."""
    table: dict[str, ServiceConcept] = {}
    for concept in concepts:
        for phrase in concept.phrases:
            key = phrase_key(phrase)
            if key in table and table[key] is not concept:
                raise ValueError(f"phrase {phrase!r} is in both {table[key].key} and {concept.key}")
            table[key] = concept
    return table
