from datetime import UTC, date, datetime

import pytest
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.events.readiness import Obstacle, ServiceCopyAnswer
from citizeninfo_shared.privacy import CITIZEN_ID_PLACEHOLDER, PHONE_PLACEHOLDER
from nocopy_service.domain.answer import ServicesNotOffered, answer_survey

ANSWERED_AT = datetime(2018, 8, 16, 9, 30, tzinfo=UTC)
POINT = ServicePointRef(
    service_point_id="P000001",
    department_id="D0702",
    ministry_id="M07",
    province_code="10",
    district_code="1001",
    name_th="สำนักศิลปากรที่ 1",
    service_ids=["S00001", "S1"],
)


def _answer(**overrides):
    arguments = {
        "answer_id": "a1",
        "point": POINT,
        "mou_with_dopa": True,
        "card_readers": 2,
        "services": [
            ServiceCopyAnswer(service_id="S00001", id_card_copy="cancelled", house_registration_copy="cancelled")
        ],
        "obstacles": [],
        "planned_cancel_date": None,
        "answered_by": "admin",
        "answered_at": ANSWERED_AT,
    }
    return answer_survey(**{**arguments, **overrides})


def test_answer_carries_the_derived_status_and_mode() -> None:
    answer = _answer()
    assert answer.copy_status == "cancelled"
    assert answer.mode == "online_and_on_card"
    assert answer.service_point_id == "P000001"
    assert answer.answered_by == "admin"
    assert answer.answered_at == ANSWERED_AT


def test_reader_without_mou_and_a_copy_being_phased_out() -> None:
    services = [ServiceCopyAnswer(service_id="S1", id_card_copy="in_progress", house_registration_copy="required")]
    answer = _answer(mou_with_dopa=False, card_readers=1, services=services)
    assert (answer.copy_status, answer.mode) == ("in_progress", "on_card")


def test_obstacle_details_are_redacted() -> None:
    detail = "ติดต่อคุณสมชาย 081-234-5678 เลข 1101700230708 รอ MOU"
    answer = _answer(obstacles=[Obstacle(kind="it_linkage", detail=detail)])
    stored = answer.obstacles[0]
    assert stored.kind == "it_linkage"
    assert "081-234-5678" not in stored.detail
    assert "1101700230708" not in stored.detail
    assert PHONE_PLACEHOLDER in stored.detail
    assert CITIZEN_ID_PLACEHOLDER in stored.detail
    assert "รอ MOU" in stored.detail


def test_planned_cancel_date_is_kept() -> None:
    assert _answer(planned_cancel_date=date(2019, 1, 1)).planned_cancel_date == date(2019, 1, 1)


def test_answer_is_stamped_with_the_points_place_in_the_catalogue() -> None:
    answer = _answer()
    assert (answer.department_id, answer.ministry_id, answer.province_code, answer.district_code) == (
        "D0702",
        "M07",
        "10",
        "1001",
    )
    assert answer.service_point_name_th == "สำนักศิลปากรที่ 1"


def test_a_service_the_point_does_not_offer_is_refused_with_its_position() -> None:
    services = [
        ServiceCopyAnswer(service_id="S1", id_card_copy="required", house_registration_copy="required"),
        ServiceCopyAnswer(service_id="S99999", id_card_copy="required", house_registration_copy="required"),
    ]
    with pytest.raises(ServicesNotOffered) as refused:
        _answer(services=services)
    assert refused.value.positions == {1: "S99999"}
    assert refused.value.service_point_id == "P000001"
