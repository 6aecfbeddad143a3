from pin_service.domain.accounts import hash_password, password_matches
from pin_service.domain.directions import directions_links
from pin_service.domain.pins import grid_cell, neighbouring_cells, quality_flags
from pin_service.domain.thai_text import index_text, parts_of_compound, segment


def test_passwords_are_argon2_hashed_and_verified():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "wrong password")
    assert not password_matches("not-a-hash", "anything")


def test_flags_are_raised_in_a_fixed_order_and_abroad_hides_far():
    assert quality_flags(accuracy_m=250.0) == ["low_accuracy"]
    assert quality_flags(accuracy_m=8.0) == []
    assert quality_flags(accuracy_m=None) == []
    assert quality_flags(accuracy_m=500, possible_duplicate=True, far_from_district=True) == [
        "far_from_district",
        "possible_duplicate",
        "low_accuracy",
    ]
    assert quality_flags(accuracy_m=None, outside_thailand=True, far_from_district=True) == ["outside_thailand"]


def test_points_within_30_m_share_a_cell_or_touch_one():
    lat, lon = 18.7883, 98.9853
    for d_lat, d_lon in ((0.00026, 0), (0, 0.00028), (-0.0002, 0.0002), (0.00001, -0.00027)):
        assert grid_cell(lat + d_lat, lon + d_lon) in neighbouring_cells(lat, lon)
    assert len(set(neighbouring_cells(lat, lon))) == 9


def test_directions_open_google_and_apple_maps_at_the_point():
    links = directions_links(13.7563, 100.5018, "ที่ว่าการเขตพระนคร")
    assert links["google_maps"] == "https://www.google.com/maps/dir/?api=1&destination=13.756300%2C100.501800"
    assert links["apple_maps"].startswith("https://maps.apple.com/?daddr=13.756300%2C100.501800&q=")


def test_thai_compounds_are_indexed_with_their_parts():
    indexed = index_text("ที่ว่าการอำเภอสันทราย").split(" ")
    assert "อำเภอ" in indexed and "ที่ว่าการอำเภอ" in indexed and "สันทราย" not in indexed
    assert segment("อำเภอสันทราย") == "อำเภอ สัน ทราย"
    assert parts_of_compound("abc") == []
