import pytest
from card_gateway.domain.purposes import CONTRACT_FIELDS, Purpose, mask_citizen_id, needs_photo, release

CARD = {
    "citizen_id": "1101700230708",
    "name_th": "นาง สมศรี ใจดี",
    "name_en": "Mrs. Somsri Jaidee",
    "name_th_parts": ["นาง", "สมศรี", "", "ใจดี"],
    "birth_date": "1980-04-15",
    "birth_date_be": "25230415",
    "gender": "female",
    "issue_date": "2022-01-01",
    "expiry_date": "2030-12-31",
    "address_th": "99/1 หมู่ที่ 4",
    "photo_jpeg": "base64",
}


def test_the_mask_shows_only_the_last_four_digits() -> None:
    masked = mask_citizen_id("1101700230708")
    assert masked == "x-xxxx-xxxx0-70-8"
    assert sum(c.isdigit() for c in masked) == 4


def test_identity_check_has_neither_full_id_nor_address_nor_photo() -> None:
    card = release(Purpose.IDENTITY_CHECK, CARD)
    assert set(card) == set(CONTRACT_FIELDS)
    assert card["address_th"] is None and card["name_th"] == "นาง สมศรี ใจดี"
    assert "1101700230708" not in repr(card)


def test_registration_adds_the_full_id_and_address_but_no_photo() -> None:
    card = release(Purpose.REGISTRATION, CARD)
    assert card["citizen_id"] == "1101700230708" and card["address_th"] == "99/1 หมู่ที่ 4"
    assert "photo_jpeg" not in card


@pytest.mark.parametrize("purpose", list(Purpose))
def test_raw_helper_fields_never_leave(purpose: Purpose) -> None:
    card = release(purpose, CARD)
    assert "name_th_parts" not in card and "birth_date_be" not in card
    assert ("photo_jpeg" in card) is needs_photo(purpose)


def test_a_verified_visit_releases_only_the_masked_id() -> None:
    card = release(Purpose.VERIFIED_VISIT, CARD)
    assert [name for name, value in card.items() if value is not None] == ["citizen_id_masked"]
