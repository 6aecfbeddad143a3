from datetime import UTC, datetime

import pytest
from citizeninfo_shared.privacy import CITIZEN_ID_PLACEHOLDER, EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER
from feedback_service.domain.rating import ServiceNotOffered, submit_rating

from .conftest import POINT

SUBMITTED_AT = datetime(2018, 8, 16, 10, 0, tzinfo=UTC)


def _rating(comment: str | None = None, *, service_id: str | None = "S00001", verified: bool = False):
    return submit_rating(
        rating_id="r1",
        point=POINT,
        service_id=service_id,
        score=4,
        aspects={"waiting_time": 2},
        asked_for_copy=True,
        comment=comment,
        verified=verified,
        submitted_at=SUBMITTED_AT,
    )


def test_a_rating_keeps_what_was_said_and_where() -> None:
    rating = _rating("บริการรวดเร็ว")
    assert rating.verified is False
    assert (rating.rating_id, rating.service_point_id, rating.service_id) == ("r1", "P000001", "S00001")
    assert (rating.score, rating.aspects, rating.asked_for_copy, rating.comment) == (
        4,
        {"waiting_time": 2},
        True,
        "บริการรวดเร็ว",
    )
    assert (rating.department_id, rating.ministry_id, rating.province_code) == ("D0702", "M07", "10")
    assert rating.submitted_at == SUBMITTED_AT


def test_verified_is_what_the_caller_established() -> None:
    assert _rating(verified=True).verified is True


def test_personal_data_in_the_comment_is_redacted() -> None:
    rating = _rating("โทร 0812345678 หรือ me@example.com เลขบัตร 1-1017-00230-70-8 ครับ")
    assert rating.comment == f"โทร {PHONE_PLACEHOLDER} หรือ {EMAIL_PLACEHOLDER} เลขบัตร {CITIZEN_ID_PLACEHOLDER} ครับ"


def test_an_empty_comment_is_no_comment() -> None:
    assert _rating("").comment is None
    assert _rating(None).comment is None


def test_a_service_the_point_does_not_offer_is_refused() -> None:
    with pytest.raises(ServiceNotOffered):
        _rating(service_id="S99999")
    assert _rating(service_id=None).service_id is None
