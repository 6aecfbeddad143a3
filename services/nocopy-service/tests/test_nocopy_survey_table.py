from datetime import UTC, date, datetime

from citizeninfo_shared.events.readiness import Obstacle, ReadinessAnswered, ServiceCopyAnswer
from nocopy_service.domain.survey_table import COLUMNS, headers, row

from .conftest import point

ANSWER = ReadinessAnswered(
    answer_id="a1",
    service_point_id="P000001",
    department_id="D0702",
    copy_status="in_progress",
    mode="online_and_on_card",
    mou_with_dopa=True,
    card_readers=3,
    services=[
        ServiceCopyAnswer(service_id="S00001", id_card_copy="cancelled", house_registration_copy="cancelled"),
        ServiceCopyAnswer(service_id="S00002", id_card_copy="in_progress", house_registration_copy="required"),
        ServiceCopyAnswer(service_id="S00003", id_card_copy="required", house_registration_copy="required"),
    ],
    obstacles=[
        Obstacle(kind="budget", detail="งบไม่พอ"),
        Obstacle(kind="it_linkage", detail=""),
        Obstacle(kind="budget", detail="เครื่องอ่านบัตรไม่พอ"),
    ],
    planned_cancel_date=date(2019, 1, 31),
    answered_by="somsri",
    answered_at=datetime(2018, 8, 16, 20, 30, tzinfo=UTC),
)


def _by_header(lang, answer) -> dict:
    return dict(zip(headers("en"), row(point("P000001"), answer, lang), strict=True))


def test_headers_are_thai_by_default_and_english_on_request() -> None:
    assert headers("th")[:3] == ["รหัสจุดให้บริการ", "ชื่อจุดให้บริการ", "รหัสกระทรวง"]
    assert headers("en")[:3] == ["service_point_id", "service_point_name", "ministry_id"]
    assert len(headers("th")) == len(headers("en")) == len(COLUMNS)


def test_an_answered_point_in_english_keeps_the_codes() -> None:
    cells = _by_header("en", ANSWER)
    assert cells["service_point_name"] == "Point P000001"
    assert cells["surveyed"] == "yes"
    assert cells["copy_status"] == "in_progress"
    assert cells["mode"] == "online_and_on_card"
    assert cells["mou_with_dopa"] == "yes"
    assert cells["card_readers"] == 3
    assert cells["services_answered"] == 3
    assert cells["services_copies_cancelled"] == 1
    assert cells["services_in_progress"] == 1
    assert cells["obstacles"] == "budget; it_linkage"
    assert cells["obstacle_details"] == "budget: งบไม่พอ | budget: เครื่องอ่านบัตรไม่พอ"
    assert cells["planned_cancel_date"] == "2019-01-31"
    # 20:30 UTC is 03:30 the next morning in Bangkok
    assert cells["answered_at"] == "2018-08-17T03:30:00+07:00"


def test_an_answered_point_in_thai_uses_the_seed_wording() -> None:
    cells = _by_header("th", ANSWER)
    assert cells["service_point_name"] == "จุดบริการ P000001"
    assert cells["surveyed"] == "ตอบแล้ว"
    assert cells["copy_status"] == "อยู่ระหว่างดำเนินการลดสำเนา"
    assert cells["mode"] == "ใช้ได้ทั้งในรูปแบบ On Card และ Online"
    assert cells["mou_with_dopa"] == "มี"
    assert cells["obstacles"] == "งบประมาณ; เทคโนโลยีสารสนเทศ การเชื่อมโยงข้อมูล"


def test_a_point_that_has_not_answered_has_empty_survey_cells() -> None:
    cells = _by_header("th", None)
    assert cells["surveyed"] == "ยังไม่ตอบ"
    assert cells["service_point_id"] == "P000001"
    assert cells["province_code"] == "10"
    survey_columns = list(cells)[list(cells).index("copy_status") :]
    assert all(cells[c] is None for c in survey_columns)
