import pytest
from citizeninfo_shared.privacy import (
    CITIZEN_ID_PLACEHOLDER,
    EMAIL_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    citizen_id_is_valid,
    keyed_hash,
    redact,
)

VALID_ID = "1101700207030"  # check digit computed by the rule in CARD.md


def test_check_digit_rule():
    assert citizen_id_is_valid(VALID_ID)
    assert not citizen_id_is_valid("1101700207031")
    assert not citizen_id_is_valid("12345")


@pytest.mark.parametrize("written", [VALID_ID, "1-1017-00207-03-0", "1 1017 00207 03 0"])
def test_citizen_ids_are_redacted_in_any_grouping(written):
    assert redact(f"เลขบัตร {written} ค่ะ") == f"เลขบัตร {CITIZEN_ID_PLACEHOLDER} ค่ะ"


def test_thirteen_digits_that_fail_the_check_digit_are_not_an_id():
    assert CITIZEN_ID_PLACEHOLDER not in redact("เลขที่คำขอ 1101700207031")


@pytest.mark.parametrize("phone", ["081-234-5678", "0812345678", "+66 81 234 5678", "02-123-4567"])
def test_thai_phone_numbers_are_redacted(phone):
    assert redact(f"โทร {phone} นะ") == f"โทร {PHONE_PLACEHOLDER} นะ"


def test_emails_are_redacted_and_plain_text_is_kept():
    assert redact("ติดต่อ somchai.j@example.co.th ได้") == f"ติดต่อ {EMAIL_PLACEHOLDER} ได้"
    assert redact("รอคิว 45 นาที บริการดีมาก") == "รอคิว 45 นาที บริการดีมาก"


def test_keyed_hash_is_stable_and_depends_on_the_key():
    assert keyed_hash(b"k1", VALID_ID) == keyed_hash(b"k1", VALID_ID)
    assert keyed_hash(b"k1", VALID_ID) != keyed_hash(b"k2", VALID_ID)
    assert VALID_ID not in keyed_hash(b"k1", VALID_ID)


# --- Issue 17: ordinary Thai writing. Each is one way a citizen really writes it. ---------------------

ZWSP = "\u200b"


@pytest.mark.parametrize(
    "written",
    [
        "1.1017.00207.03.0",  # dots, as on photocopies of the card
        "1 1017 00207 03 0",
        "1-1017-00207-03-0",
        "1 - 1017 - 00207 - 03 - 0",
        f"1{ZWSP}1017{ZWSP}00207{ZWSP}03{ZWSP}0",  # zero-width spaces from a Thai keyboard/word breaker
        "1\u20601017\u206000207\u206003\u20600",  # word joiners
        "1\u00ad1017\u00ad00207\u00ad03\u00ad0",  # soft hyphens
        "๑๑๐๑๗๐๐๒๐๗๐๓๐",  # Thai digits
        "๑-๑๐๑๗-๐๐๒๐๗-๐๓-๐",
        "１１０１７００２０７０３０",  # full-width digits
        "1–1017–00207–03–0",  # en dashes
        "1\u00a01017\u00a000207\u00a003\u00a00",  # no-break spaces
    ],
)
def test_citizen_ids_are_redacted_however_they_are_written(written):
    assert redact(f"เลขบัตรประชาชน {written} ค่ะ") == f"เลขบัตรประชาชน {CITIZEN_ID_PLACEHOLDER} ค่ะ"


@pytest.mark.parametrize(
    "phone",
    [
        "๐๘๑-๒๓๔-๕๖๗๘",
        "๐๘๑๒๓๔๕๖๗๘",
        "๐๒-๑๒๓-๔๕๖๗",
        "(02) 123 4567",
        "(02)1234567",
        "(081) 234-5678",
        "081.234.5678",
        "081 234 5678",
        "08 1234 5678",
        "+66812345678",
        "+66 81 234 5678",
        "+66-81-234-5678",
        "+66 (0) 81 234 5678",
        "+66(0)812345678",
        "+66 2 123 4567",
        "0066 81 234 5678",
        "+๖๖ ๘๑ ๒๓๔ ๕๖๗๘",
        f"081{ZWSP}234{ZWSP}5678",
        "０８１－２３４－５６７８",
        "053-123-456",  # Chiang Mai landline
        "02–123–4567",
    ],
)
def test_phone_numbers_are_redacted_however_they_are_written(phone):
    assert redact(f"โทรหาผมที่ {phone} นะครับ") == f"โทรหาผมที่ {PHONE_PLACEHOLDER} นะครับ"


@pytest.mark.parametrize(
    "email",
    [
        "สมชาย@ตัวอย่าง.ไทย",
        "สมชาย.ใจดี@gmail.com",
        "somchai@บริษัท.com",
        "josé.garcía@correo.es",
        "ｓｏｍｃｈａｉ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "somchai+ร้องเรียน@example.co.th",
        "somchai [at] gmail [dot] com",
        "somchai(at)gmail(dot)com",
        f"som{ZWSP}chai@exa{ZWSP}mple.com",
    ],
)
def test_email_addresses_in_any_script_are_redacted(email):
    assert redact(f"ติดต่อ {email} ได้เลย") == f"ติดต่อ {EMAIL_PLACEHOLDER} ได้เลย"


def test_an_address_run_into_thai_text_is_redacted_without_eating_the_next_word():
    assert redact("อีเมล somchai@example.co.thครับ") == f"อีเมล {EMAIL_PLACEHOLDER}ครับ"


@pytest.mark.parametrize(
    "ordinary",
    [
        "ไปวันที่ 01-02-2567 เวลา 10:30 น.",
        "วันที่ 15/01/2567 ได้คิวที่ 0123",
        "เปิด 08.30-16.30 น. ทุกวัน",
        "ค่าธรรมเนียม 1,250.00 บาท แพงไป",
        "รอคิว 45 นาที มีคนรอ 120 คน",
        "ราคา ๑๐๐ บาท",
        "ถ่ายเอกสาร 3 แผ่น แผ่นละ 2.50 บาท",
        "เลขที่คำขอ 1101700207031",  # 13 digits that fail the check digit
        "คำสั่งที่ 012/2567",
        "สายด่วน 1111 และ 1548",
        "ทะเบียนบ้านเลขที่ 99/123 หมู่ 4",
        "บริการดีมาก ขอบคุณค่ะ 😊",
        "เจ้าหน้าที่ทำงานเร็ว\nแนะนำดี",
    ],
)
def test_dates_prices_and_counts_are_kept(ordinary):
    assert redact(ordinary) == ordinary


def test_text_outside_what_is_redacted_is_kept_exactly_as_written():
    # NFKC would split Thai ำ into ํ + า: the normaliser is only for finding, never for storing.
    text = f"ทำเรื่องเสร็จแล้ว{ZWSP}ขอบคุณ โทร ๐๘๑๒๓๔๕๖๗๘ น้ำใจดี"
    assert redact(text) == f"ทำเรื่องเสร็จแล้ว{ZWSP}ขอบคุณ โทร {PHONE_PLACEHOLDER} น้ำใจดี"


def test_one_comment_with_everything_in_it():
    text = "ผม สมชาย บัตร ๑.๑๐๑๗.๐๐๒๐๗.๐๓.๐ โทร (๐๘๑) ๒๓๔-๕๖๗๘ เมล สมชาย@ตัวอย่าง.ไทย รอ 3 ชม."
    assert redact(text) == (
        f"ผม สมชาย บัตร {CITIZEN_ID_PLACEHOLDER} โทร {PHONE_PLACEHOLDER} เมล {EMAIL_PLACEHOLDER} รอ 3 ชม."
    )


def test_the_normaliser_maps_thai_digits_and_drops_invisible_characters():
    from citizeninfo_shared.privacy import normalised

    view = normalised(f"๐๘{ZWSP}๑ ｘ＠ｙ")
    assert view.text == "081 x@y"
    assert view.original_span(0, 3) == (0, 4)
