"""How search words are read: services by what people call them, places that narrow, filler dropped."""

import pytest
from pin_service.adapters.geography import thai_gazetteer
from pin_service.domain.search_query import Gazetteer, parse_query
from pin_service.domain.service_synonyms import SERVICE_CONCEPTS, ServiceConcept, concepts_by_phrase, phrase_key
from pin_service.domain.thai_text import segment


def read(text: str):
    return parse_query(segment(text), thai_gazetteer())


@pytest.mark.parametrize("typed", ["ทำบัตรประชาชน", "บัตรประชาชน", "ID card", "id card", "Identity Card", "บัตรปชช"])
def test_everyday_phrasings_of_the_id_card_name_the_id_card_service(typed: str) -> None:
    parsed = read(typed)
    assert [m.concept.key for m in parsed.concepts] == ["id_card"]
    assert parsed.words == ()
    assert parsed.concepts[0].concept.catalogue_terms == ("บัตรประจำตัวประชาชน",)


def test_a_service_and_a_province_in_thai_narrow_to_the_province() -> None:
    parsed = read("ทำบัตรประชาชน เชียงใหม่")
    assert [m.concept.key for m in parsed.concepts] == ["id_card"]
    assert parsed.area_filter() == ("province_code", ["50"])
    assert parsed.words == ()


def test_the_same_without_a_space_and_in_english() -> None:
    assert read("ทำบัตรประชาชนเชียงใหม่").area_filter() == ("province_code", ["50"])
    english = read("ID card Chiang Mai")
    assert [m.concept.key for m in english.concepts] == ["id_card"]
    assert english.area_filter() == ("province_code", ["50"])


def test_a_district_inside_the_named_province_narrows_further() -> None:
    parsed = read("ที่ดิน เชียงใหม่ สาขาสันทราย")
    assert parsed.area_filter() == ("district_code", ["5014"])
    assert parsed.words == ("ที่ดิน", "สาขา")


def test_districts_by_thai_and_english_name_and_bangkok_khet() -> None:
    assert read("แม่ริม").area_filter() == ("district_code", ["5007"])
    assert read("Mae Rim district office").words == ("office",)
    assert read("เขตพระนคร").area_filter() == ("district_code", ["1001"])
    assert read("ที่ว่าการอำเภอเมืองเชียงใหม่").area_filter() == ("district_code", ["5001"])


def test_bangkok_aliases() -> None:
    for alias in ("กทม", "กรุงเทพ", "Bangkok", "กรุงเทพมหานคร"):
        assert read(f"ใบขับขี่ {alias}").area_filter() == ("province_code", ["10"]), alias


def test_place_names_that_are_everyday_words_count_only_after_a_prefix() -> None:
    assert read("ไม่มีเลย").area_filter() is None  # เลย: "at all", and Loei province
    assert read("จังหวัดเลย").area_filter() == ("province_code", ["42"])
    assert read("ฝาง").area_filter() is None  # a short district name alone
    assert read("อ.ฝาง").area_filter() == ("district_code", ["5009"])
    assert read("อำเภอสอง").area_filter() == ("district_code", ["5406"])


def test_places_are_found_on_word_boundaries_only() -> None:
    parsed = read("สองแถว")
    assert parsed.area_filter() is None
    assert "สอง" in parsed.words


def test_filler_words_are_dropped_and_the_rest_kept() -> None:
    parsed = read("สำนักงานทะเบียน ใกล้ฉัน")
    assert parsed.words == ("สำนักงาน", "ทะเบียน")
    assert parsed.concepts == ()
    assert read("near me").words == ()


def test_an_empty_query_means_nothing() -> None:
    parsed = read("")
    assert (parsed.words, parsed.concepts, parsed.places, parsed.area_filter()) == ((), (), (), None)


def test_phrase_keys_ignore_case_spaces_and_apostrophes() -> None:
    assert phrase_key("Driver's  License") == phrase_key("drivers license") == "driverslicense"


def test_the_synonym_table_has_no_phrase_in_two_concepts() -> None:
    assert len(concepts_by_phrase()) == sum(len({phrase_key(p) for p in c.phrases}) for c in SERVICE_CONCEPTS)
    clash = (ServiceConcept("a", ("x",), ("same",)), ServiceConcept("b", ("y",), ("Same",)))
    with pytest.raises(ValueError, match="both a and b"):
        concepts_by_phrase(clash)


def test_every_catalogue_term_segments_to_words_the_index_holds() -> None:
    # A catalogue term is matched as a phrase of the index's words: it must segment to something.
    for concept in SERVICE_CONCEPTS:
        for term in concept.catalogue_terms:
            assert segment(term), (concept.key, term)


def test_a_small_gazetteer_without_geothai() -> None:
    gazetteer = Gazetteer([("99", "ทดสอบ", "Test Province")], [("9901", "เมืองทดสอบ", "Mueang Test")])
    parsed = parse_query("ขอ บัตรประชาชน test province", gazetteer)
    assert parsed.area_filter() == ("province_code", ["99"])
    assert [m.concept.key for m in parsed.concepts] == ["id_card"]
