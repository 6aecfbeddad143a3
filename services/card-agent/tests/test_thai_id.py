import pytest
from card_agent import thai_id
from card_agent.card_reader import _CardSession
from card_agent.virtual_card import ATR_FAMILY_3B67, ATR_FAMILY_3B79, CardApplet, CardProfile, demo_photo

CITIZEN_ID = "1101700230708"


def _transmit(applet: CardApplet):
    def transmit(apdu: list[int]):
        answer = applet.answer(bytes(apdu))
        return list(answer[:-2]), answer[-2], answer[-1]

    return transmit


def test_check_digit() -> None:
    assert thai_id.citizen_id_is_valid(CITIZEN_ID)
    assert not thai_id.citizen_id_is_valid("1101700230709")
    assert not thai_id.citizen_id_is_valid("110170023070")


def test_the_plan_merges_adjacent_fields_into_reads_of_at_most_255_bytes() -> None:
    plan = thai_id.read_plan(thai_id.COUNTER_FIELDS)
    assert plan == [(0x0004, 0xDE), (0x0167, 16), (0x1579, 100)]
    assert all(length <= 255 for _, length in plan)


def test_read_binary_keeps_the_length_in_its_two_data_bytes() -> None:
    assert thai_id.read_binary(0x1579, 100) == bytes.fromhex("80B01579020064")
    assert thai_id.get_response(0x01, 100) == bytes.fromhex("00C0000164")


@pytest.mark.parametrize(("atr", "p2"), [(ATR_FAMILY_3B67, 1), (ATR_FAMILY_3B79, 0), (bytes.fromhex("3B68"), 0)])
def test_get_response_p2_by_atr_family(atr: bytes, p2: int) -> None:
    assert thai_id.get_response_p2(atr) == p2


@pytest.mark.parametrize(
    ("raw", "iso"),
    [(b"25230415", "1980-04-15"), (b"25230000", "1980-01-01"), (b"99999999", None), (b"2523    ", None)],
)
def test_buddhist_era_dates(raw: bytes, iso: str | None) -> None:
    assert thai_id.buddhist_date_to_iso(raw) == iso


def test_names_drop_empty_parts_and_decode_tis620() -> None:
    raw = "นาย#สมชาย##รักไทย".encode("tis_620").ljust(100, b" ")
    assert thai_id.join_name(raw) == "นาย สมชาย รักไทย"
    assert thai_id.name_parts(raw) == ["นาย", "สมชาย", "", "รักไทย"]


def test_the_photo_keeps_zero_bytes_inside_and_loses_the_padding() -> None:
    photo = demo_photo()
    assert b"\x00" in photo[:-2]
    assert thai_id.trim_photo(photo + b"\x00" * 500) == photo


@pytest.mark.parametrize("atr", [ATR_FAMILY_3B67, ATR_FAMILY_3B79], ids=["3B67", "3B79"])
def test_a_whole_read_against_the_virtual_applet(atr: bytes) -> None:
    applet = CardApplet(CardProfile(citizen_id=CITIZEN_ID, atr=atr, expiry_date_be="99999999"))
    card = _CardSession(_transmit(applet), atr).read(with_photo=True)
    assert card["citizen_id"] == CITIZEN_ID
    assert card["name_en"] == "Mrs. Somsri Jaidee"
    assert (card["expiry_date"], card["lifetime_card"]) == (None, True)
    assert card["address_th"].endswith("จังหวัดนนทบุรี")
    assert card["photo_jpeg"] == demo_photo()
    assert applet.apdus_answered == 1 + 2 * 3 + 2 * 20


def test_the_wrong_get_response_family_is_refused_by_the_card() -> None:
    applet = CardApplet(CardProfile(citizen_id=CITIZEN_ID, atr=ATR_FAMILY_3B67))
    applet.answer(thai_id.SELECT_MOI_APPLET)
    applet.answer(thai_id.read_binary(4, 13))
    assert applet.answer(thai_id.get_response(0x00, 13)) == b"\x6a\x86"
    assert applet.answer(thai_id.get_response(0x01, 13)) == CITIZEN_ID.encode() + b"\x90\x00"


def test_a_bad_check_digit_makes_the_card_unreadable() -> None:
    applet = CardApplet(CardProfile(citizen_id="1101700230709"))
    with pytest.raises(thai_id.UnreadableCard):
        _CardSession(_transmit(applet), ATR_FAMILY_3B79).read(with_photo=False)


def test_something_that_is_not_a_thai_id_card_is_unreadable() -> None:
    with pytest.raises(thai_id.UnreadableCard):
        _CardSession(lambda apdu: ([], 0x6A, 0x82), ATR_FAMILY_3B79).read(with_photo=False)
