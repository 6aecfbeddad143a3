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
