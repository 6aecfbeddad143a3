import pytest
from nocopy_service.api.schemas import ReadinessSurvey
from pydantic import ValidationError


def _survey(**overrides) -> dict:
    body = {
        "mou_with_dopa": True,
        "card_readers": 2,
        "services": [{"service_id": "S00001", "id_card_copy": "required", "house_registration_copy": "cancelled"}],
        "obstacles": [{"kind": "budget", "detail": "ยังไม่มีงบซื้อเครื่องอ่านบัตร"}],
    }
    return {**body, **overrides}


def test_the_contract_body_is_accepted() -> None:
    survey = ReadinessSurvey.model_validate(_survey(planned_cancel_date="2019-01-31"))
    assert survey.card_readers == 2
    assert survey.service_answers()[0].house_registration_copy == "cancelled"
    assert survey.obstacle_answers()[0].kind == "budget"
    assert survey.planned_cancel_date.isoformat() == "2019-01-31"


def test_obstacles_and_date_are_optional_and_services_may_be_empty() -> None:
    survey = ReadinessSurvey.model_validate({"mou_with_dopa": False, "card_readers": 0, "services": []})
    assert survey.obstacles == []
    assert survey.planned_cancel_date is None


@pytest.mark.parametrize(
    "body",
    [
        _survey(department_id="D0702"),
        _survey(
            services=[
                {"service_id": "S1", "id_card_copy": "required", "house_registration_copy": "required", "note": "x"}
            ]
        ),
        _survey(obstacles=[{"kind": "law", "detail": "", "severity": 3}]),
    ],
    ids=["top level", "in a service", "in an obstacle"],
)
def test_unknown_fields_are_rejected(body: dict) -> None:
    with pytest.raises(ValidationError, match="extra"):
        ReadinessSurvey.model_validate(body)


@pytest.mark.parametrize(
    "body",
    [
        _survey(card_readers=-1),
        _survey(card_readers=True),
        _survey(card_readers="2"),
        _survey(mou_with_dopa="yes"),
        _survey(services=[{"service_id": "S1", "id_card_copy": "maybe", "house_registration_copy": "required"}]),
        _survey(services=[{"service_id": "S1", "id_card_copy": "required"}]),
        _survey(services=[{"service_id": "", "id_card_copy": "required", "house_registration_copy": "required"}]),
        _survey(obstacles=[{"kind": "weather", "detail": ""}]),
        _survey(obstacles=[{"kind": "other", "detail": "ก" * 1001}]),
        _survey(planned_cancel_date="next year"),
        {"mou_with_dopa": True, "card_readers": 1},
    ],
    ids=[
        "negative readers",
        "boolean readers",
        "string readers",
        "string mou",
        "unknown copy status",
        "missing copy",
        "empty service id",
        "unknown obstacle kind",
        "detail too long",
        "bad date",
        "missing services",
    ],
)
def test_bad_values_are_rejected(body: dict) -> None:
    with pytest.raises(ValidationError):
        ReadinessSurvey.model_validate(body)


def test_a_detail_of_exactly_1000_characters_is_accepted() -> None:
    survey = ReadinessSurvey.model_validate(_survey(obstacles=[{"kind": "other", "detail": "ก" * 1000}]))
    assert len(survey.obstacles[0].detail) == 1000


def test_a_service_may_be_answered_only_once() -> None:
    twice = {"service_id": "S1", "id_card_copy": "required", "house_registration_copy": "required"}
    with pytest.raises(ValidationError, match="only once"):
        ReadinessSurvey.model_validate(_survey(services=[twice, twice]))
