import pytest
from pin_service.domain.catalogue import (
    DepartmentLine,
    LineError,
    ServicePointLine,
    content_hash,
    parents_of,
    parse_line,
)

POINT = (
    '{"kind":"service_point","id":"P000001","department_id":"D0702","name_th":"สำนักงาน",'
    '"province_code":"10","district_code":"1001","address_th":"ถนน","service_ids":["S00001"]}'
)


def test_each_kind_parses_to_its_model():
    line = parse_line(POINT)
    assert isinstance(line, ServicePointLine) and line.service_ids == ["S00001"]
    department = parse_line('{"kind":"department","id":"D0702","ministry_id":"M07","name_th":"กรมศิลปากร"}')
    assert isinstance(department, DepartmentLine)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("not json", "not valid JSON"),
        ('{"kind":"planet","id":"X"}', "kind"),
        ('{"kind":"ministry","id":"M1"}', "name_th"),
        ('{"kind":"ministry","id":"M1","name_th":"ก","colour":"red"}', "colour"),
        (POINT.replace('"10"', '"1"'), "province_code"),
        (POINT.replace('"P000001"', '"P 1"'), "id"),
        (POINT.replace('"ถนน"', '"ถนน\\u0000"'), "address_th"),
    ],
)
def test_bad_lines_say_what_is_wrong(text, detail):
    with pytest.raises(LineError, match=detail):
        parse_line(text)


def test_parents_are_the_records_a_line_refers_to():
    assert parents_of(parse_line(POINT)) == [("departments", "D0702"), ("services", "S00001")]
    assert parents_of(parse_line('{"kind":"ministry","id":"M07","name_th":"ก"}')) == []


def test_equal_content_has_an_equal_hash_regardless_of_key_order():
    reordered = (
        '{"id":"P000001","kind":"service_point","name_th":"สำนักงาน","department_id":"D0702",'
        '"district_code":"1001","province_code":"10","address_th":"ถนน","service_ids":["S00001"]}'
    )
    assert content_hash(parse_line(POINT)) == content_hash(parse_line(reordered))
    assert content_hash(parse_line(POINT)) != content_hash(parse_line(POINT.replace("ถนน", "ซอย")))
