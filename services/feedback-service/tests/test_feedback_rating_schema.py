import pytest
from feedback_service.api.schemas import RatingSubmission
from pydantic import ValidationError


def test_only_the_point_and_the_score_are_required() -> None:
    submission = RatingSubmission.model_validate({"service_point_id": "P000001", "score": 5})
    assert submission.service_id is None
    assert submission.asked_for_copy is None
    assert submission.comment is None
    assert submission.visit_token is None


def test_every_contract_field_is_accepted() -> None:
    body = {
        "service_point_id": "P000001",
        "service_id": "S00001",
        "score": 1,
        "asked_for_copy": False,
        "comment": "  ต้องถ่ายสำเนาบัตร  ",
        "visit_token": "abc",
    }
    submission = RatingSubmission.model_validate(body)
    assert submission.comment == "ต้องถ่ายสำเนาบัตร"
    assert submission.asked_for_copy is False


@pytest.mark.parametrize(
    "body",
    [
        {"service_point_id": "P1", "score": 5, "verified": True},
        {"service_point_id": "P1", "score": 0},
        {"service_point_id": "P1", "score": 6},
        {"service_point_id": "P1", "score": True},
        {"service_point_id": "P1", "score": "5"},
        {"service_point_id": "P1", "score": 4.5},
        {"service_point_id": "P1", "score": 5, "asked_for_copy": "yes"},
        {"service_point_id": "P1", "score": 5, "comment": "ก" * 1001},
        {"service_point_id": "", "score": 5},
        {"service_point_id": "P1/../x", "score": 5},
        {"score": 5},
        {"service_point_id": "P1"},
    ],
    ids=[
        "unknown field",
        "score 0",
        "score 6",
        "boolean score",
        "string score",
        "fractional score",
        "string asked_for_copy",
        "comment too long",
        "empty point id",
        "point id with a path",
        "no point",
        "no score",
    ],
)
def test_bad_submissions_are_rejected(body: dict) -> None:
    with pytest.raises(ValidationError):
        RatingSubmission.model_validate(body)


def test_a_comment_of_exactly_1000_characters_is_accepted() -> None:
    body = {"service_point_id": "P1", "score": 3, "comment": "ก" * 1000}
    assert len(RatingSubmission.model_validate(body).comment) == 1000
